/**
 * Losing the server while a pool client is checked out (a transaction between two queries, a held
 * lease) must not crash the process: the holder sees the error, the pool drops the client, and the
 * database answers again once the server is back. Runs against the real Postgres named by DATABASE_URL
 * through a loopback TCP proxy whose open connections the test destroys.
 */
import net from 'node:net';
import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../src/database.js';

const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Forwards 127.0.0.1:<port> to Postgres; `cut()` destroys every open connection. */
class CuttableProxy {
  readonly #sockets = new Set<net.Socket>();

  private constructor(readonly server: net.Server) {}

  static async start(target: URL): Promise<CuttableProxy> {
    const proxy: CuttableProxy = new CuttableProxy(
      net.createServer((socket) => proxy.#forward(socket, target)),
    );
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', resolve);
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  cut(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }

  #forward(client: net.Socket, target: URL): void {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => {
        this.#sockets.delete(socket);
        (socket === client ? upstream : client).destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

let proxy: CuttableProxy;
let database: Database<unknown>;
const uncaught: unknown[] = [];
let onUncaught: (() => void) | undefined;
const recordUncaught = (error: unknown) => {
  uncaught.push(error);
  onUncaught?.();
};

/**
 * Resolves when the client's connection has ended (its 'error', if any, is emitted before that) or when
 * that 'error' escaped as an uncaught exception (then pg never emits 'end').
 */
function ended(client: pg.Client): Promise<void> {
  // Not events.once: it listens for 'error' itself and would hide a client without an error listener.
  return new Promise((resolve) => {
    onUncaught = resolve;
    client.once('end', () => resolve());
  });
}

beforeAll(async () => {
  proxy = await CuttableProxy.start(new URL(connectionString));
  const url = new URL(connectionString);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  database = createDatabase({ connectionString: url.toString(), schema: 'public', max: 2 });
});
afterAll(async () => {
  await database?.close();
  await proxy?.close();
});
beforeEach(() => {
  uncaught.length = 0;
  process.on('uncaughtException', recordUncaught);
});
afterEach(() => {
  process.off('uncaughtException', recordUncaught);
});

async function answers(): Promise<number> {
  const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
  return rows[0]?.one ?? 0;
}

describe('a pool client losing its server while checked out', () => {
  it('fails the open transaction, never raises an uncaught exception, and the pool recovers', async () => {
    let held: pg.Client | undefined;
    const onAcquire = (client: pg.PoolClient) => {
      held = client;
    };
    database.pool.on('acquire', onAcquire);
    const transaction = database.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      if (!held) throw new Error('no client acquired');
      const connectionEnded = ended(held);
      proxy.cut();
      await connectionEnded;
      await sql`select 2`.execute(trx);
    });
    await expect(transaction).rejects.toThrow(/Connection terminated|not queryable/);
    database.pool.off('acquire', onAcquire);

    expect(uncaught).toEqual([]);
    expect(await answers()).toBe(1);
  });

  it('fails the next query of a held lease, never raises an uncaught exception, and the pool recovers', async () => {
    const client = await database.pool.connect();
    await client.query('select 1');
    const connectionEnded = ended(client);
    proxy.cut();
    await connectionEnded;
    await expect(client.query('select 1')).rejects.toThrow(/Connection terminated|not queryable/);
    client.release();

    expect(uncaught).toEqual([]);
    expect(await answers()).toBe(1);
  });
});

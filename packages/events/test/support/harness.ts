/**
 * Test helpers of the events package on top of @cartwatch/testing: a schema with the event tables, bounded
 * polling, and a private nats-server for the outage test (the shared server is never stopped).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@cartwatch/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { ensureStream, eventTablesV1 } from '../../src/index.js';
import type { AnyTables } from '../../src/schema-agnostic.js';

export { createTestStream, type TestStream } from '@cartwatch/testing';

export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export type EventsTestDatabase = TestDatabase<AnyTables>;

/** An isolated schema `t_<prefix>_<random>` with the outbox and inbox tables, as a service's first migration makes. */
export async function createEventsTestDatabase(options: {
  prefix: string;
  max?: number;
}): Promise<EventsTestDatabase> {
  const database = await createTestDatabase<AnyTables>({ prefix: options.prefix, max: options.max ?? 10 });
  try {
    await eventTablesV1.up(database.db);
  } catch (error) {
    await database.drop();
    throw error;
  }
  return database;
}

/** A stream of its own on `nc` (used with the private server, which @cartwatch/testing does not know). */
export async function createStreamOn(nc: NatsConnection): Promise<{
  streamName: string;
  subjectPrefix: string;
  cleanup(): Promise<void>;
}> {
  const id = randomBytes(4).toString('hex');
  const streamName = `T_EVENTS_${id.toUpperCase()}`;
  const subjectPrefix = `t_events_${id}`;
  await ensureStream(nc, { name: streamName, subjectPrefix });
  return {
    streamName,
    subjectPrefix,
    async cleanup() {
      try {
        await (await jetstreamManager(nc, { timeout: 2_000 })).streams.delete(streamName);
      } catch {
        // The private server may already be gone.
      }
    },
  };
}

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'condition'}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** This test's own nats-server (loopback, free port, temp store); the shared server is never touched. */
export class PrivateNatsServer {
  readonly port: number;
  readonly storeDir: string;
  #process: ChildProcess | undefined;

  private constructor(port: number, storeDir: string) {
    this.port = port;
    this.storeDir = storeDir;
  }

  static async create(): Promise<PrivateNatsServer> {
    const storeDir = await mkdtemp(path.join(tmpdir(), 'cartwatch-events-nats-'));
    const server = new PrivateNatsServer(await findFreePort(), storeDir);
    await server.start();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const binary = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
    const child = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir], {
      stdio: 'ignore',
    });
    this.#process = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
        try {
          const nc = await connect({ servers: this.url, reconnect: false, timeout: 500 });
          await jetstreamManager(nc, { timeout: 1_000 });
          await nc.close();
          return true;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: 10_000, intervalMs: 100, what: `nats-server on ${this.port}` },
    );
  }

  async stop(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.storeDir, { recursive: true, force: true });
  }
}

/**
 * Test helpers of the events package on top of @cartwatch/testing: a schema with the event tables, bounded
 * polling, and a private nats-server for the outage test (the shared server is never stopped).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort, type RunningServer, startNatsServer } from '@cartwatch/local-stack';
import {
  createTestDatabase,
  type EventuallyOptions,
  eventually,
  type TestDatabase,
} from '@cartwatch/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { ensureStream, eventTablesV1, eventTablesV2 } from '../../src/index.js';
import type { AnyTables } from '../../src/schema-agnostic.js';

export { createTestStream, type TestStream } from '@cartwatch/testing';

export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export type EventsTestDatabase = TestDatabase<AnyTables>;

/** An isolated schema `t_<prefix>_<random>` with the outbox, inbox and tombstone tables, as a service's migrations make. */
export async function createEventsTestDatabase(options: {
  prefix: string;
  max?: number;
}): Promise<EventsTestDatabase> {
  const database = await createTestDatabase<AnyTables>({ prefix: options.prefix, max: options.max ?? 10 });
  try {
    await eventTablesV1.up(database.db);
    await eventTablesV2.up(database.db);
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

/** `eventually` (@cartwatch/testing) with the argument order these tests use: the probe first. */
export function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  { what = 'condition', ...options }: EventuallyOptions & { what?: string } = {},
): Promise<T> {
  return eventually(what, probe, { timeoutMs: 10_000, ...options });
}

/** This test's own nats-server (loopback, free port, temp store); the shared server is never touched. */
export class PrivateNatsServer {
  readonly port: number;
  readonly storeDir: string;
  #server: RunningServer | undefined;

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

  /** Starts (or restarts) on the same port and store, as the outage tests need. */
  async start(): Promise<void> {
    this.#server = await startNatsServer({ storeDir: this.storeDir, port: this.port });
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    await server?.stop();
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.storeDir, { recursive: true, force: true });
  }
}

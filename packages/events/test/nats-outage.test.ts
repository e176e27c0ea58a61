/**
 * A NATS outage: writes keep succeeding (the outbox holds them) and the event arrives once the broker
 * is back. Uses a private nats-server on a free port, stopped and restarted on the same port and store.
 */
import { withTransaction } from '@cartwatch/db';
import type { NatsConnection } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats, EventConsumer, OutboxRelay, publish } from '../src/index.js';
import {
  applyWidgetCreated,
  createConsumerTables,
  newWidget,
  outboxCounts,
  widgetCreated,
} from './support/fixtures.js';
import {
  createEventsTestDatabase,
  createStreamOn,
  type EventsTestDatabase,
  PrivateNatsServer,
  silentLogger,
  waitFor,
} from './support/harness.js';

let server: PrivateNatsServer;
let database: EventsTestDatabase;
let nc: NatsConnection;
let stream: Awaited<ReturnType<typeof createStreamOn>>;
let relay: OutboxRelay | undefined;
let consumer: EventConsumer | undefined;

beforeAll(async () => {
  server = await PrivateNatsServer.create();
  database = await createEventsTestDatabase({ prefix: 'outage' });
  await createConsumerTables(database);
  nc = await connectNats({ servers: server.url, name: 'events-outage-test', reconnectTimeWaitMs: 200 });
  stream = await createStreamOn(nc);
});
afterAll(async () => {
  await consumer?.stop();
  await relay?.stop();
  await stream?.cleanup();
  await nc?.close();
  await server?.destroy();
  await database?.drop();
});

async function appliedCount(eventId: string): Promise<number> {
  const result = await sql<{ n: number }>`
    select count(*)::int as n from widget_applied where event_id = ${eventId}`.execute(database.db);
  return result.rows[0]?.n ?? 0;
}

describe('with NATS unreachable', () => {
  it('still accepts the write, and delivers the event once NATS is back on the same port and store', async () => {
    relay = new OutboxRelay({
      database,
      nc,
      logger: silentLogger,
      subjectPrefix: stream.subjectPrefix,
      pollIntervalMs: 200,
      publishTimeoutMs: 1_000,
      maxBackoffMs: 1_000,
      registry: new Registry(),
    });
    consumer = new EventConsumer({
      name: 'outage',
      database,
      nc,
      logger: silentLogger,
      streamName: stream.streamName,
      subjectPrefix: stream.subjectPrefix,
      handlers: [applyWidgetCreated],
      registry: new Registry(),
    });
    relay.start();
    await consumer.start();
    const before = await publish(database.db, widgetCreated, { source: 'orders', data: newWidget() });
    await waitFor(async () => ((await appliedCount(before.id)) === 1 ? true : undefined), {
      what: 'the pipeline to work before the outage',
    });

    await server.stop();

    // The API-like write: business change + outbox row in one transaction, with the broker down.
    const during = await withTransaction(database.db, (trx) =>
      publish(trx, widgetCreated, { source: 'orders', data: newWidget() }),
    );
    expect(await outboxCounts(database)).toEqual({ total: 2, unpublished: 1 });
    await waitFor(
      async () => {
        const result = await sql<{ attempts: number }>`
          select attempts from outbox where id = ${during.id}`.execute(database.db);
        return (result.rows[0]?.attempts ?? 0) >= 3 ? true : undefined;
      },
      { timeoutMs: 20_000, what: 'the relay to record failed publishes' },
    );
    expect(await appliedCount(during.id)).toBe(0);

    await server.start();
    const restartedAt = Date.now();
    await waitFor(async () => ((await appliedCount(during.id)) === 1 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'the event to be delivered after the restart',
    });
    const deliveredAfterMs = Date.now() - restartedAt;
    expect(deliveredAfterMs).toBeLessThan(15_000);
    expect(await outboxCounts(database)).toEqual({ total: 2, unpublished: 0 });
    const lastError = await sql<{ last_error: string | null }>`
      select last_error from outbox where id = ${during.id}`.execute(database.db);
    expect(lastError.rows[0]?.last_error).toBeTruthy();
    console.info(`outage test: event delivered ${deliveredAfterMs} ms after nats-server restarted`);
  });
});

/** 10,000 events through outbox -> relay -> JetStream -> consumer are each applied exactly once. */
import { withTransaction } from '@cartwatch/db';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventConsumer, OutboxRelay, publishMany } from '../src/index.js';
import {
  appliedStats,
  applyWidgetCreated,
  counterValue,
  createConsumerTables,
  inboxCount,
  newWidget,
  outboxCounts,
  streamMessageCount,
  widgetCreated,
} from './support/fixtures.js';
import {
  createEventsTestDatabase,
  createTestStream,
  type EventsTestDatabase,
  silentLogger,
  type TestStream,
  waitFor,
} from './support/harness.js';

const EVENTS = 10_000;
const PER_TRANSACTION = 500;

let database: EventsTestDatabase;
let stream: TestStream;
let relay: OutboxRelay | undefined;
let consumer: EventConsumer | undefined;

beforeAll(async () => {
  database = await createEventsTestDatabase({ prefix: 'exactly_once' });
  await createConsumerTables(database);
  stream = await createTestStream();
});
afterAll(async () => {
  await consumer?.stop();
  await relay?.stop();
  await stream?.cleanup();
  await database?.drop();
});

describe('exactly-once delivery', () => {
  it(`applies ${EVENTS} events through the outbox exactly once each`, async () => {
    const registry = new Registry();
    relay = new OutboxRelay({
      database,
      nc: stream.nc,
      logger: silentLogger,
      subjectPrefix: stream.subjectPrefix,
      registry,
    });
    consumer = new EventConsumer({
      name: 'exactly-once',
      database,
      nc: stream.nc,
      logger: silentLogger,
      streamName: stream.streamName,
      subjectPrefix: stream.subjectPrefix,
      handlers: [applyWidgetCreated],
      registry,
    });
    relay.start();
    await consumer.start();

    const eventIds: string[] = [];
    for (let written = 0; written < EVENTS; written += PER_TRANSACTION) {
      const envelopes = await withTransaction(database.db, (trx) =>
        publishMany(
          trx,
          Array.from({ length: PER_TRANSACTION }, () => ({
            definition: widgetCreated,
            event: { source: 'orders' as const, data: newWidget() },
          })),
        ),
      );
      eventIds.push(...envelopes.map((envelope) => envelope.id));
    }

    await waitFor(async () => ((await appliedStats(database)).rows === EVENTS ? true : undefined), {
      timeoutMs: 90_000,
      intervalMs: 200,
      what: `${EVENTS} events applied`,
    });
    // Give a stray redelivery the chance to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(await appliedStats(database)).toEqual({ rows: EVENTS, total: EVENTS, maxPerEvent: 1 });
    const missing = await sql<{ n: number }>`
      select count(*)::int as n from unnest(${eventIds}::uuid[]) as sent(id)
      where not exists (select 1 from widget_applied where event_id = sent.id)`.execute(database.db);
    expect(missing.rows[0]?.n).toBe(0);
    expect(await inboxCount(database, 'exactly-once')).toBe(EVENTS);
    expect(await outboxCounts(database)).toEqual({ total: EVENTS, unpublished: 0 });
    expect(await streamMessageCount(stream.nc, stream.streamName)).toBe(EVENTS);
    expect(await counterValue(registry, 'cartwatch_events_handled_total', { outcome: 'handled' })).toBe(
      EVENTS,
    );
    expect(await counterValue(registry, 'cartwatch_outbox_published_total')).toBe(EVENTS);
  });
});

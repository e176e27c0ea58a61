/** The relay: only committed rows leave, NOTIFY wakes it, one leader per schema, crash-safe marking. */
import { withTransaction } from '@cartwatch/db';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  EventConsumer,
  OutboxRelay,
  type OutboxRelayOptions,
  outboxChannel,
  publish,
  publishMany,
} from '../src/index.js';
import {
  appliedStats,
  applyWidgetCreated,
  counterValue,
  createConsumerTables,
  inboxCount,
  newWidget,
  outboxCounts,
  readStream,
  streamMessageCount,
  widgetBroken,
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

let database: EventsTestDatabase;
let stream: TestStream;
const running: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  database = await createEventsTestDatabase({ prefix: 'relay' });
  await createConsumerTables(database);
  stream = await createTestStream();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.stop()));
  await sql`truncate outbox, inbox, widget_applied, attempt_log`.execute(database.db);
  const { jetstreamManager } = await import('@nats-io/jetstream');
  await (await jetstreamManager(stream.nc)).streams.purge(stream.streamName);
});
afterAll(async () => {
  await stream?.cleanup();
  await database?.drop();
});

function startRelay(overrides: Partial<OutboxRelayOptions> = {}): OutboxRelay {
  const relay = new OutboxRelay({
    database,
    nc: stream.nc,
    logger: silentLogger,
    subjectPrefix: stream.subjectPrefix,
    pollIntervalMs: 100,
    lockRetryMs: 100,
    registry: new Registry(),
    ...overrides,
  });
  relay.start();
  running.push(relay);
  return relay;
}

async function allPublished(): Promise<true | undefined> {
  const counts = await outboxCounts(database);
  return counts.total > 0 && counts.unpublished === 0 ? true : undefined;
}

describe('OutboxRelay', () => {
  it('never publishes an event whose transaction rolled back', async () => {
    startRelay();
    const rolledBack = newWidget();
    await expect(
      withTransaction(database.db, async (trx) => {
        await publish(trx, widgetBroken, { source: 'orders', data: { widgetId: rolledBack.widgetId } });
        throw new Error('the business write failed');
      }),
    ).rejects.toThrow('the business write failed');
    // A committed marker written afterwards proves the relay ran past the point of the rolled-back write.
    const marker = await withTransaction(database.db, (trx) =>
      publish(trx, widgetCreated, { source: 'orders', data: newWidget() }),
    );
    await waitFor(allPublished, { what: 'the marker to be published' });

    const rolledBackRows = await sql<{ n: number }>`
      select count(*)::int as n from outbox where type = ${widgetBroken.type}`.execute(database.db);
    expect(rolledBackRows.rows[0]?.n).toBe(0);
    expect(await outboxCounts(database)).toEqual({ total: 1, unpublished: 0 });
    const messages = await readStream(stream.nc, stream.streamName);
    expect(
      messages.filter((message) => message.subject === `${stream.subjectPrefix}.${widgetBroken.type}`),
    ).toEqual([]);
    expect(messages.map((message) => JSON.parse(message.text).id)).toEqual([marker.id]);
  });

  it('is woken by NOTIFY on commit, long before its poll interval', async () => {
    const relay = startRelay({ pollIntervalMs: 60_000 });
    // Its first (empty) round is over: it now waits 60 s for its next poll, or for a NOTIFY.
    await waitFor(() => (relay.isIdle ? true : undefined), { what: 'the leader to wait' });

    const envelope = await withTransaction(database.db, (trx) =>
      publish(trx, widgetCreated, { source: 'orders', data: newWidget() }),
    );
    // Within 10 s, while the poll would have taken 60 s: the NOTIFY woke it.
    await waitFor(allPublished, { timeoutMs: 10_000, intervalMs: 10, what: 'the event to be published' });
    const row = await sql<{ subject: string }>`select subject from outbox where id = ${envelope.id}`.execute(
      database.db,
    );
    expect(row.rows[0]?.subject).toBe(`${stream.subjectPrefix}.${widgetCreated.type}`);
  });

  it('needs no NOTIFY while awake, and does not fall asleep under an uncommitted write', async () => {
    // Awake for 300 ms after each batch; asleep, only a NOTIFY (or the 60 s poll) would wake it.
    startRelay({ pollIntervalMs: 60_000, lingerMs: 300 });
    await withTransaction(database.db, (trx) =>
      publish(trx, widgetCreated, { source: 'orders', data: newWidget() }),
    );
    await waitFor(allPublished, { timeoutMs: 10_000, intervalMs: 10, what: 'the first event published' });

    // The relay is awake now: a write holds its transaction open past the linger time, then commits.
    const listener = await database.pool.connect();
    const notifications: string[] = [];
    listener.on('notification', (message) => notifications.push(message.channel));
    try {
      await listener.query(`listen ${listener.escapeIdentifier(outboxChannel(database.schema))}`);
      const late = await withTransaction(database.db, async (trx) => {
        const envelope = await publish(trx, widgetCreated, { source: 'orders', data: newWidget() });
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return envelope;
      });
      // Published long before the 60 s poll: the relay kept polling while the write was uncommitted,
      // although the writer sent no NOTIFY (it saw the relay awake).
      await waitFor(allPublished, { timeoutMs: 10_000, intervalMs: 10, what: 'the late event published' });
      const row = await sql<{ published: boolean }>`
        select published_at is not null as published from outbox where id = ${late.id}`.execute(database.db);
      expect(row.rows[0]?.published).toBe(true);
      await listener.query('select 1'); // delivers any notification sent before this round trip
      expect(notifications).toEqual([]);
    } finally {
      await listener.query('unlisten *');
      listener.release();
    }
  });

  it('publishes in outbox order with the event id as msgID', async () => {
    startRelay({ batchSize: 7 });
    const envelopes = await withTransaction(database.db, (trx) =>
      publishMany(
        trx,
        Array.from({ length: 30 }, () => ({
          definition: widgetCreated,
          event: { source: 'orders' as const, data: newWidget() },
        })),
      ),
    );
    await waitFor(allPublished, { what: 'all rows published' });
    const messages = await readStream(stream.nc, stream.streamName);
    expect(messages.map((message) => JSON.parse(message.text).id)).toEqual(
      envelopes.map((envelope) => envelope.id),
    );
  });

  it('lets only one replica relay a schema and hands over when the leader stops', async () => {
    const first = startRelay();
    await waitFor(() => (first.isLeader ? true : undefined), { what: 'first leader' });
    const second = startRelay();
    await publishMany(
      database.db,
      Array.from({ length: 20 }, () => ({
        definition: widgetCreated,
        event: { source: 'orders' as const, data: newWidget() },
      })),
    );
    await waitFor(allPublished, { what: 'first wave' });
    expect(second.isLeader).toBe(false);

    await first.stop();
    await waitFor(() => (second.isLeader ? true : undefined), { what: 'second replica to take over' });
    await publishMany(
      database.db,
      Array.from({ length: 20 }, () => ({
        definition: widgetCreated,
        event: { source: 'orders' as const, data: newWidget() },
      })),
    );
    await waitFor(allPublished, { what: 'second wave' });
    expect(await streamMessageCount(stream.nc, stream.streamName)).toBe(40);
  });

  it('does not double-handle events when a relay dies between publish and mark', async () => {
    // Relay 1 publishes, then "dies" before marking (the fault throws on every round, also on its flush).
    let publishedWithoutMark = 0;
    const crashing = startRelay({
      maxBackoffMs: 60_000,
      faults: {
        afterPublishBeforeMark: (rows) => {
          publishedWithoutMark += rows.length;
          throw new Error('simulated crash between publish and mark');
        },
      },
    });
    const events = Array.from({ length: 20 }, () => ({
      definition: widgetCreated,
      event: { source: 'orders' as const, data: newWidget() },
    }));
    const envelopes = await publishMany(database.db, events);
    await waitFor(() => (publishedWithoutMark >= 20 ? true : undefined), { what: 'the crashing publish' });
    await crashing.stop();
    expect(await outboxCounts(database)).toEqual({ total: 20, unpublished: 20 });
    expect(await streamMessageCount(stream.nc, stream.streamName)).toBe(20);

    // Relay 2 republishes the same rows: JetStream drops them as duplicates of the same msgID.
    const relayRegistry = new Registry();
    startRelay({ registry: relayRegistry });
    await waitFor(allPublished, { what: 'the new relay to mark the rows' });
    expect(await counterValue(relayRegistry, 'cartwatch_outbox_published_total')).toBe(20);
    expect(await streamMessageCount(stream.nc, stream.streamName)).toBe(20);

    // Even a copy that slips past the duplicate window (a new msgID) is skipped by the consumer's inbox.
    const { jetstream } = await import('@nats-io/jetstream');
    const first = envelopes[0];
    if (!first) throw new Error('no envelope');
    await jetstream(stream.nc).publish(
      `${stream.subjectPrefix}.${widgetCreated.type}`,
      JSON.stringify(first),
      {
        msgID: `${first.id}-replayed`,
      },
    );

    const consumerRegistry = new Registry();
    const consumer = new EventConsumer({
      name: 'relay-crash',
      database,
      nc: stream.nc,
      logger: silentLogger,
      streamName: stream.streamName,
      subjectPrefix: stream.subjectPrefix,
      handlers: [applyWidgetCreated],
      registry: consumerRegistry,
    });
    await consumer.start();
    running.push(consumer);
    await waitFor(
      async () =>
        (await counterValue(consumerRegistry, 'cartwatch_events_handled_total', { outcome: 'duplicate' })) >=
          1 && (await appliedStats(database)).rows === 20
          ? true
          : undefined,
      { what: 'all events and the replayed copy to be processed' },
    );
    expect(await appliedStats(database)).toEqual({ rows: 20, total: 20, maxPerEvent: 1 });
    expect(await inboxCount(database, 'relay-crash')).toBe(20);
    expect(
      await counterValue(consumerRegistry, 'cartwatch_events_handled_total', { outcome: 'handled' }),
    ).toBe(20);
    expect(
      await counterValue(consumerRegistry, 'cartwatch_events_handled_total', { outcome: 'duplicate' }),
    ).toBe(1);
  });

  it('deletes published rows past the retention and keeps unpublished ones', async () => {
    await publishMany(
      database.db,
      Array.from({ length: 5 }, () => ({
        definition: widgetCreated,
        event: { source: 'orders' as const, data: newWidget() },
      })),
    );
    await sql`update outbox set published_at = now() - interval '2 days' where seq in (select seq from outbox order by seq limit 3)`.execute(
      database.db,
    );
    await sql`update outbox set published_at = now() where published_at is null`.execute(database.db);
    await publishMany(database.db, [
      { definition: widgetCreated, event: { source: 'orders', data: newWidget() } },
    ]);
    startRelay({ cleanupIntervalMs: 50 });
    // Cleanup and publishing run independently; wait until both are done, then check nothing else went.
    await waitFor(
      async () => {
        const counts = await outboxCounts(database);
        return counts.total === 3 && counts.unpublished === 0 ? true : undefined;
      },
      { what: 'expired rows deleted and the new row published' },
    );
    expect(await outboxCounts(database)).toEqual({ total: 3, unpublished: 0 });
  });

  it('reports backlog and oldest age on scrape', async () => {
    const registry = new Registry();
    const relay = new OutboxRelay({
      database,
      nc: stream.nc,
      logger: silentLogger,
      subjectPrefix: stream.subjectPrefix,
      registry,
      lockRetryMs: 60_000,
    });
    // Another relay holds the lock, so this one only reports.
    const leader = startRelay({
      faults: { afterPublishBeforeMark: () => Promise.reject(new Error('hold')) },
    });
    await waitFor(() => (leader.isLeader ? true : undefined), { what: 'leader' });
    relay.start();
    running.push(relay);
    await sql`insert into outbox (id, type, payload, created_at) values
      (gen_random_uuid(), 'widget.created.v1', '{}', now() - interval '90 seconds'),
      (gen_random_uuid(), 'widget.created.v1', '{}', now())`.execute(database.db);
    const text = await registry.metrics();
    expect(text).toMatch(new RegExp(`cartwatch_outbox_backlog\\{schema="${database.schema}"\\} 2`));
    const age = Number(text.match(/cartwatch_outbox_oldest_age_seconds\{[^}]*\} ([\d.]+)/)?.[1]);
    expect(age).toBeGreaterThanOrEqual(89);
  });
});

/** The consumer: inbox de-duplication, savepoint isolation, redelivery with backoff, dead letters. */
import { dlqSubject } from '@cartwatch/common-types';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { sql, type Transaction } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  buildEnvelope,
  type DeadLetter,
  defineHandler,
  EventConsumer,
  type EventConsumerOptions,
  type EventHandlerMap,
} from '../src/index.js';
import {
  appliedStats,
  applyWidgetCreated,
  type ConsumerTables,
  counterValue,
  createConsumerTables,
  inboxCount,
  newWidget,
  readStream,
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
const running: EventConsumer[] = [];

beforeAll(async () => {
  database = await createEventsTestDatabase({ prefix: 'consumer' });
  await createConsumerTables(database);
  stream = await createTestStream();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
  // Consumers deliver the whole stream (deliver_policy all): every test starts from an empty one.
  await (await jetstreamManager(stream.nc)).streams.purge(stream.streamName);
  await sql`truncate inbox, widget_applied, attempt_log`.execute(database.db);
});
afterAll(async () => {
  await stream?.cleanup();
  await database?.drop();
});

function startConsumer(
  name: string,
  handlers: EventHandlerMap,
  overrides: Partial<EventConsumerOptions> = {},
): { consumer: EventConsumer; registry: Registry; ready: Promise<void> } {
  const registry = new Registry();
  const consumer = new EventConsumer({
    name,
    database,
    nc: stream.nc,
    logger: silentLogger,
    streamName: stream.streamName,
    subjectPrefix: stream.subjectPrefix,
    handlers,
    registry,
    ...overrides,
  });
  running.push(consumer);
  return { consumer, registry, ready: consumer.start() };
}

/** Publishes straight to the stream, as the relay would (or as a broken producer might). */
async function publishRaw(type: string, payload: string | Uint8Array): Promise<void> {
  await jetstream(stream.nc).publish(`${stream.subjectPrefix}.${type}`, payload);
}

async function publishEnvelope(definition: typeof widgetCreated | typeof widgetBroken, data: unknown) {
  const envelope = buildEnvelope(definition, { source: 'orders', data: data as never });
  await publishRaw(definition.type, JSON.stringify(envelope));
  return envelope;
}

async function deadLetters(consumer: string): Promise<DeadLetter[]> {
  const subject = dlqSubject(consumer, stream.subjectPrefix);
  return (await readStream(stream.nc, stream.streamName))
    .filter((message) => message.subject === subject)
    .map((message) => JSON.parse(message.text) as DeadLetter);
}

/** Waits until `count` of the consumer's messages were dead-lettered. */
async function untilDeadLettered(consumer: string, count: number, what: string): Promise<void> {
  await waitFor(async () => ((await deadLetters(consumer)).length === count ? true : undefined), { what });
}

/** Waits until the consumer's inbox holds `count` events (each applied or taken as a duplicate). */
async function untilInboxHolds(consumer: string, count: number, what: string): Promise<void> {
  await waitFor(async () => ((await inboxCount(database, consumer)) === count ? true : undefined), { what });
}

async function attemptsFor(eventId: string): Promise<Array<{ delivery_count: number; attempted_at: Date }>> {
  const result = await sql<{ delivery_count: number; attempted_at: Date }>`
    select delivery_count, attempted_at from attempt_log where event_id = ${eventId} order by attempted_at`.execute(
    database.db,
  );
  return result.rows;
}

/** Logs the attempt outside the transaction (it survives the rollback), writes inside it, then fails. */
const failingWidgetBroken = defineHandler(
  widgetBroken,
  async (trx: Transaction<ConsumerTables>, event, ctx) => {
    await sql`insert into attempt_log (event_id, delivery_count) values (${event.id}, ${ctx.deliveryCount})`.execute(
      database.db,
    );
    await sql`insert into widget_applied (event_id, widget_id) values (${event.id}, ${event.data.widgetId})`.execute(
      trx,
    );
    throw new Error(`widget ${event.data.widgetId} is beyond repair`);
  },
);

describe('EventConsumer', () => {
  it('applies each event once and acks a duplicate delivery without applying it again', async () => {
    const { registry, ready } = startConsumer('dedup', [applyWidgetCreated]);
    await ready;
    const envelope = await publishEnvelope(widgetCreated, newWidget());
    await publishRaw(widgetCreated.type, JSON.stringify(envelope)); // same event id, new stream message
    await waitFor(
      async () =>
        (await counterValue(registry, 'cartwatch_events_handled_total', { consumer: 'dedup' })) === 2
          ? true
          : undefined,
      { what: 'both copies processed' },
    );
    const applied = await sql<{ applied_count: number }>`
      select applied_count from widget_applied where event_id = ${envelope.id}`.execute(database.db);
    expect(applied.rows).toEqual([{ applied_count: 1 }]);
    expect(await inboxCount(database, 'dedup')).toBe(1);
    expect(await counterValue(registry, 'cartwatch_events_handled_total', { outcome: 'handled' })).toBe(1);
    expect(await counterValue(registry, 'cartwatch_events_handled_total', { outcome: 'duplicate' })).toBe(1);
  });

  it('redelivers a failing handler with growing delays, then dead-letters it with its error', async () => {
    const maxDeliver = 4;
    const { registry, ready } = startConsumer('retry', [failingWidgetBroken], {
      maxDeliver,
      backoffMs: [150, 450, 1_350],
    });
    await ready;
    const widgetId = newWidget().widgetId;
    const envelope = await publishEnvelope(widgetBroken, { widgetId });

    const letters = await waitFor(
      async () => {
        const found = await deadLetters('retry');
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 20_000, what: 'the dead letter' },
    );

    const attempts = await attemptsFor(envelope.id);
    expect(attempts.map((attempt) => attempt.delivery_count)).toEqual([1, 2, 3, 4]);
    const gaps = attempts.slice(1).map((attempt, index) => {
      const previous = attempts[index];
      return previous ? attempt.attempted_at.getTime() - previous.attempted_at.getTime() : 0;
    });
    expect(gaps[0]).toBeGreaterThanOrEqual(140);
    expect(gaps[1]).toBeGreaterThan(gaps[0] ?? 0);
    expect(gaps[2]).toBeGreaterThan(gaps[1] ?? 0);

    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      consumer: 'retry',
      reason: 'handler_failed',
      error: `widget ${widgetId} is beyond repair`,
      deliveryCount: maxDeliver,
      eventId: envelope.id,
      eventType: widgetBroken.type,
      subject: `${stream.subjectPrefix}.${widgetBroken.type}`,
      payloadEncoding: 'utf8',
    });
    expect(JSON.parse(letters[0]?.payload ?? '{}')).toEqual(envelope);
    // Nothing of the failed attempts stayed: neither the handler's write nor the inbox claim.
    expect(
      await sql<{ n: number }>`select count(*)::int as n from widget_applied where event_id = ${envelope.id}`
        .execute(database.db)
        .then((result) => result.rows[0]?.n),
    ).toBe(0);
    expect(await inboxCount(database, 'retry')).toBe(0);
    expect(await counterValue(registry, 'cartwatch_dlq_total', { consumer: 'retry' })).toBe(1);
    expect(await counterValue(registry, 'cartwatch_events_handled_total', { outcome: 'failed' })).toBe(3);
  });

  it('dead-letters a schema-invalid message at once without calling the handler', async () => {
    const { registry, ready } = startConsumer('invalid', [failingWidgetBroken]);
    await ready;
    const validEnvelopeBadData = buildEnvelope(widgetBroken, {
      source: 'orders',
      data: { widgetId: newWidget().widgetId },
    });
    const badData = { ...validEnvelopeBadData, data: { widgetId: 42 } };
    await publishRaw(widgetBroken.type, JSON.stringify(badData));
    await publishRaw(widgetBroken.type, JSON.stringify({ hello: 'not an envelope' }));
    await publishRaw(widgetBroken.type, new Uint8Array([0xff, 0xfe, 0x00, 0x01]));

    const letters = await waitFor(
      async () => {
        const found = await deadLetters('invalid');
        return found.length === 3 ? found : undefined;
      },
      { what: 'three dead letters' },
    );
    expect(letters.map((letter) => letter.deliveryCount)).toEqual([1, 1, 1]);
    expect(letters.map((letter) => letter.reason)).toEqual([
      'invalid_message',
      'invalid_message',
      'invalid_message',
    ]);
    const byPayload = (payload: string) => letters.find((letter) => letter.payload === payload);
    expect(byPayload(JSON.stringify(badData))).toMatchObject({
      eventId: badData.id,
      payloadEncoding: 'utf8',
    });
    expect(byPayload(JSON.stringify(badData))?.error).toMatch(/invalid widget\.broken\.v1 data: widgetId/);
    expect(byPayload(JSON.stringify({ hello: 'not an envelope' }))?.error).toMatch(/invalid envelope/);
    const binary = byPayload(Buffer.from([0xff, 0xfe, 0, 1]).toString('base64'));
    expect(binary).toMatchObject({ payloadEncoding: 'base64' });
    expect(binary?.error).toMatch(/not JSON/);
    const attempts = await sql<{ n: number }>`select count(*)::int as n from attempt_log`.execute(
      database.db,
    );
    expect(attempts.rows[0]?.n).toBe(0);
    expect(await inboxCount(database, 'invalid')).toBe(0);
    expect(await counterValue(registry, 'cartwatch_events_handled_total', { outcome: 'dead_lettered' })).toBe(
      3,
    );
  });

  it('rolls back only the failing event of a batch; the others in the same transaction commit', async () => {
    // One lane, so the three messages share a batch (and its transaction).
    const { consumer, ready } = startConsumer('isolation', [applyWidgetCreated, failingWidgetBroken], {
      maxDeliver: 1,
      concurrency: 1,
    });
    await consumer.stop(); // create the durables, then let messages pile up so they arrive as one batch
    await ready;
    const good = [
      await publishEnvelope(widgetCreated, newWidget()),
      await publishEnvelope(widgetCreated, newWidget()),
    ];
    const bad = await publishEnvelope(widgetBroken, { widgetId: newWidget().widgetId });
    const again = startConsumer('isolation', [applyWidgetCreated, failingWidgetBroken], {
      maxDeliver: 1,
      concurrency: 1,
    });
    await again.ready;
    await untilDeadLettered('isolation', 1, 'the failing event dead-lettered');
    await waitFor(
      async () => {
        const applied = await sql<{ event_id: string }>`
          select event_id from widget_applied where event_id = any(${good.map((e) => e.id)}::uuid[])`.execute(
          database.db,
        );
        return applied.rows.length === 2 ? true : undefined;
      },
      { what: 'the good events applied' },
    );
    const inbox = await sql<{ event_id: string; received_at: Date }>`
      select event_id, received_at from inbox where consumer = 'isolation'`.execute(database.db);
    expect(inbox.rows.map((row) => row.event_id).sort()).toEqual(good.map((e) => e.id).sort());
    // received_at is now(), the transaction's start: equal values mean one transaction for the batch.
    expect(new Set(inbox.rows.map((row) => row.received_at.getTime())).size).toBe(1);
    const badApplied = await sql<{ n: number }>`
      select count(*)::int as n from widget_applied where event_id = ${bad.id}`.execute(database.db);
    expect(badApplied.rows[0]?.n).toBe(0);
    // The batch first ran without savepoints; the failure rolled it back and it ran again isolated.
    // Neither run left a double apply, and the failing handler was called once for its one delivery.
    const counts = await sql<{ applied_count: number }>`
      select applied_count from widget_applied where event_id = any(${good.map((e) => e.id)}::uuid[])`.execute(
      database.db,
    );
    expect(counts.rows.map((row) => row.applied_count)).toEqual([1, 1]);
    expect((await attemptsFor(bad.id)).map((attempt) => attempt.delivery_count)).toEqual([1]);
  });

  it('stops after the event in hand: the rest of the batch goes back unclaimed and is applied once, later', async () => {
    // What goes back is redelivered after the ack wait: the server may hand it to the stopped consumer's
    // last pull request, which nobody reads any more (NATS 2.9 cannot cancel it). A short one for the test.
    const settings = { concurrency: 1, ackWaitMs: 2_000 };
    const { consumer: creator, ready: created } = startConsumer('stopping', [applyWidgetCreated], settings);
    await created;
    await creator.stop(); // the durable exists; the messages pile up and arrive as one batch
    const events = [];
    for (let index = 0; index < 20; index++) events.push(await publishEnvelope(widgetCreated, newWidget()));
    let handled = 0;
    let stopping: Promise<void> | undefined;
    const stopOnThird = defineHandler(widgetCreated, async (trx: Transaction<ConsumerTables>, event, ctx) => {
      await applyWidgetCreated.handle(trx, event, ctx);
      handled++;
      if (handled === 3) stopping = first.consumer.stop();
    });
    const first = startConsumer('stopping', [stopOnThird], settings);
    await first.ready;
    await waitFor(async () => (stopping ? true : undefined), { what: 'the third event handled' });
    await stopping;
    // The batch committed the three events it applied, and only those: the others were not applied and
    // their inbox claims were released with the same commit.
    expect(handled).toBe(3);
    expect(await appliedStats(database)).toEqual({ rows: 3, total: 3, maxPerEvent: 1 });
    expect(await inboxCount(database, 'stopping')).toBe(3);

    const again = startConsumer('stopping', [applyWidgetCreated], settings);
    await again.ready;
    await waitFor(async () => ((await appliedStats(database)).rows === 20 ? true : undefined), {
      what: 'every event applied after the restart',
    });
    expect(await appliedStats(database)).toEqual({ rows: 20, total: 20, maxPerEvent: 1 });
    expect(await inboxCount(database, 'stopping')).toBe(events.length);
  });

  it('hands consecutive events of a handler with handleMany to it at once, in delivery order, in the batch transaction', async () => {
    const calls: string[][] = [];
    const singles: string[] = [];
    const many = defineHandler(
      widgetCreated,
      async (trx: Transaction<ConsumerTables>, event, ctx) => {
        singles.push(event.id);
        await applyWidgetCreated.handle(trx, event, ctx);
      },
      {
        async handleMany(trx: Transaction<ConsumerTables>, events) {
          calls.push(events.map((event) => event.id));
          const rows = events.map((event) => sql`(${event.id}::uuid, ${event.data.widgetId}::uuid)`);
          await sql`insert into widget_applied (event_id, widget_id) values ${sql.join(rows)}`.execute(trx);
        },
      },
    );
    const { consumer, ready } = startConsumer('many', [many], { concurrency: 1 });
    await consumer.stop(); // the durable exists; the messages pile up and arrive as one batch
    await ready;
    const envelopes: Array<{ id: string }> = [];
    for (let index = 0; index < 5; index += 1)
      envelopes.push(await publishEnvelope(widgetCreated, newWidget()));
    const again = startConsumer('many', [many], { concurrency: 1 });
    await again.ready;
    await untilInboxHolds('many', 5, 'the five events applied');
    expect(singles).toEqual([]);
    expect(calls.flat()).toEqual(envelopes.map((envelope) => envelope.id));
    expect(calls.every((call) => call.length >= 2)).toBe(true);
    expect(await appliedStats(database)).toEqual({ rows: 5, total: 5, maxPerEvent: 1 });
    // The inbox claims and the handler's rows committed in one transaction per batch.
    const inbox = await sql<{ received_at: Date }>`
      select received_at from inbox where consumer = 'many'`.execute(database.db);
    expect(new Set(inbox.rows.map((row) => row.received_at.getTime())).size).toBe(calls.length);
    expect(await counterValue(again.registry, 'cartwatch_events_handled_total', { outcome: 'handled' })).toBe(
      5,
    );
  });

  it('when handleMany throws, applies the batch again one event at a time, so only the failing event is rolled back', async () => {
    const bad = newWidget();
    let manyCalls = 0;
    const failingMany = defineHandler(
      widgetCreated,
      async (trx: Transaction<ConsumerTables>, event, ctx) => {
        if (event.data.widgetId === bad.widgetId) {
          await sql`insert into attempt_log (event_id, delivery_count) values (${event.id}, ${ctx.deliveryCount})`.execute(
            database.db,
          );
          throw new Error('this widget cannot be created');
        }
        await applyWidgetCreated.handle(trx, event, ctx);
      },
      {
        async handleMany(trx: Transaction<ConsumerTables>, events) {
          manyCalls += 1;
          // Writes first, then fails: the rollback must undo these writes too.
          for (const event of events)
            await applyWidgetCreated.handle(trx, event, { working() {}, deliveryCount: 1 });
          throw new Error('one of these widgets cannot be created');
        },
      },
    );
    const { consumer, ready } = startConsumer('many-failing', [failingMany], {
      concurrency: 1,
      maxDeliver: 1,
    });
    await consumer.stop();
    await ready;
    const good = [
      await publishEnvelope(widgetCreated, newWidget()),
      await publishEnvelope(widgetCreated, bad),
      await publishEnvelope(widgetCreated, newWidget()),
    ];
    const failing = good.splice(1, 1)[0];
    const again = startConsumer('many-failing', [failingMany], { concurrency: 1, maxDeliver: 1 });
    await again.ready;
    await untilDeadLettered('many-failing', 1, 'the failing event dead-lettered');
    await untilInboxHolds('many-failing', 2, 'the two good events applied');
    expect(manyCalls).toBeGreaterThanOrEqual(1);
    const applied = await sql<{ event_id: string; applied_count: number }>`
      select event_id, applied_count from widget_applied order by event_id`.execute(database.db);
    expect(applied.rows).toEqual(
      good
        .map((envelope) => ({ event_id: envelope.id, applied_count: 1 }))
        .sort((a, b) => (a.event_id < b.event_id ? -1 : 1)),
    );
    expect((await attemptsFor(failing?.id ?? '')).map((attempt) => attempt.delivery_count)).toEqual([1]);
    expect((await deadLetters('many-failing'))[0]).toMatchObject({
      eventId: failing?.id,
      reason: 'handler_failed',
      error: 'this widget cannot be created',
    });
  });

  it('applies up to batchSize waiting messages in one transaction, and a failing batch in isolated transactions of at most 50', async () => {
    const bad = newWidget();
    const calls = new Map<string, number>();
    // Set for the failing part: the first call waits until the server has handed every message over.
    let waitForDelivery: (() => Promise<void>) | undefined;
    let delivered: Promise<void> | undefined;
    const handler = defineHandler(widgetCreated, async (trx: Transaction<ConsumerTables>, event, ctx) => {
      calls.set(event.id, (calls.get(event.id) ?? 0) + 1);
      if (waitForDelivery) {
        delivered ??= waitForDelivery();
        await delivered;
      }
      if (event.data.widgetId === bad.widgetId) throw new Error('this widget cannot be created');
      await applyWidgetCreated.handle(trx, event, ctx);
    });
    const perTransaction = async (consumer: string) =>
      (
        await sql<{ n: number }>`
          select count(*)::int as n from inbox where consumer = ${consumer} group by received_at`.execute(
          database.db,
        )
      ).rows.map((row) => row.n);

    // 150 good events waiting, batches of up to 200: more than 50 go in one transaction.
    const big = { concurrency: 1, batchSize: 200 };
    const first = startConsumer('big-batch', [handler], big);
    await first.consumer.stop();
    await first.ready;
    for (let index = 0; index < 150; index += 1) await publishEnvelope(widgetCreated, newWidget());
    const again = startConsumer('big-batch', [handler], big);
    await again.ready;
    await untilInboxHolds('big-batch', 150, 'the 150 events applied');
    expect(Math.max(...(await perTransaction('big-batch')))).toBeGreaterThan(50);
    await again.consumer.stop();

    // 120 more with one failing: the batch is rolled back and redone in transactions of at most 50.
    await (await jetstreamManager(stream.nc)).streams.purge(stream.streamName);
    const failing = startConsumer('big-failing', [handler], { ...big, maxDeliver: 1 });
    await failing.consumer.stop();
    await failing.ready;
    const ids: string[] = [];
    for (let index = 0; index < 120; index += 1) {
      ids.push((await publishEnvelope(widgetCreated, index === 60 ? bad : newWidget())).id);
    }
    // The lane takes what has arrived when it wakes, so the first batch may be only the first message or
    // two; holding it until every message is in the process puts the failing one in a batch behind the
    // events before it.
    const jsm = await jetstreamManager(stream.nc);
    const third = startConsumer('big-failing', [handler], { ...big, maxDeliver: 1 });
    waitForDelivery = async () => {
      const durable = third.consumer.durableName(widgetCreated.type);
      await waitFor(
        async () =>
          (await jsm.consumers.info(stream.streamName, durable)).num_pending === 0 ? true : undefined,
        { what: 'every message delivered' },
      );
    };
    await third.ready;
    await untilDeadLettered('big-failing', 1, 'the failing event dead-lettered');
    await untilInboxHolds('big-failing', 119, 'the 119 good events applied');
    const transactions = (
      await sql<{ ids: string[] }>`
        select array_agg(event_id::text) as ids from inbox where consumer = 'big-failing'
        group by received_at`.execute(database.db)
    ).rows.map((row) => row.ids);
    expect(transactions.flat().sort()).toEqual(ids.filter((_, index) => index !== 60).sort());
    // The failing batch: its events before the failing one ran on the fast path, were rolled back and ran
    // again isolated (two calls); the transactions that hold them are the isolated ones.
    const rolledBack = new Set([...calls].filter(([, count]) => count === 2).map(([id]) => id));
    expect(rolledBack.size).toBeGreaterThan(0);
    const isolated = transactions.filter((events) => events.some((id) => rolledBack.has(id)));
    expect(Math.max(...isolated.map((events) => events.length))).toBeLessThanOrEqual(50);
    const applied = await sql<{ n: number; max: number }>`
      select count(*)::int as n, max(applied_count)::int as max from widget_applied
      where event_id = any(${ids}::uuid[])`.execute(database.db);
    expect(applied.rows[0]).toEqual({ n: 119, max: 1 });
    expect(calls.get(ids[60] ?? '')).toBe(1);
  });

  it('lets a long handler keep its message with working() instead of being redelivered', async () => {
    const slow = defineHandler(widgetCreated, async (trx: Transaction<ConsumerTables>, event, ctx) => {
      for (let step = 0; step < 6; step += 1) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        ctx.working();
      }
      await applyWidgetCreated.handle(trx, event, ctx);
    });
    const { registry, ready } = startConsumer('long-work', [slow], { ackWaitMs: 1_000 });
    await ready;
    await publishEnvelope(widgetCreated, newWidget());
    await waitFor(
      async () => ((await counterValue(registry, 'cartwatch_events_handled_total')) >= 1 ? true : undefined),
      { what: 'the slow event', timeoutMs: 15_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // a redelivery would show up here
    expect(await counterValue(registry, 'cartwatch_events_handled_total', { outcome: 'handled' })).toBe(1);
    expect(await counterValue(registry, 'cartwatch_events_handled_total', { outcome: 'duplicate' })).toBe(0);
    expect(await appliedStats(database)).toEqual({ rows: 1, total: 1, maxPerEvent: 1 });
  });

  it('reports its lag from the server', async () => {
    const { consumer, registry, ready } = startConsumer('lagging', [applyWidgetCreated], {
      lagIntervalMs: 100,
    });
    await ready;
    await consumer.stop();
    for (let index = 0; index < 3; index += 1) await publishEnvelope(widgetCreated, newWidget());
    const again = startConsumer('lagging', [applyWidgetCreated], { lagIntervalMs: 100 });
    await again.ready;
    await untilInboxHolds('lagging', 3, 'the backlog handled');
    await waitFor(
      async () => {
        const text = await again.registry.metrics();
        return /cartwatch_consumer_lag\{consumer="lagging"\} 0/.test(text) ? true : undefined;
      },
      { what: 'lag back to 0' },
    );
    expect(registry).not.toBe(again.registry);
  });
});

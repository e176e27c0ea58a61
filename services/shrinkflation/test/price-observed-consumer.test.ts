/**
 * The same scenario end to end inside the service: `price.observed.v1` envelopes published to a real
 * JetStream test stream, consumed by the service's own handlers through the EventConsumer (inbox,
 * transactions), ending in a detection and a `shrinkflation.detected.v1` outbox row. A receipt
 * observation that arrives after its buyer's deletion is dropped (docs/privacy.md).
 */
import { type EventEnvelope, eventCatalog } from '@cartwatch/common-types';
import { buildEnvelope, EventConsumer } from '@cartwatch/events';
import { createLogger, createMetricsRegistry, loadConfig } from '@cartwatch/service-kit';
import { AppResources } from '@cartwatch/service-runtime';
import {
  counterValue,
  createTestStream,
  eventually,
  newUserId,
  type TestDatabase,
  type TestStream,
} from '@cartwatch/testing';
import { jetstream } from '@nats-io/jetstream';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { envSchema } from '../src/config.js';
import type { DB } from '../src/db/schema.js';
import { serviceDefinition } from '../src/service.js';
import {
  createShrinkDatabase,
  day,
  detectedEvents,
  detections,
  envelopeOf,
  observation,
  type PriceObservedEnvelope,
  product,
  shrinkEnv,
  size,
} from './support.js';

let database: TestDatabase<DB>;
let stream: TestStream;
let consumer: EventConsumer;
let registry: ReturnType<typeof createMetricsRegistry>;

beforeAll(async () => {
  database = await createShrinkDatabase('shrink_consumer');
  stream = await createTestStream();
  const config = loadConfig(envSchema, shrinkEnv(database.schema));
  const logger = createLogger({ service: 'shrinkflation', level: 'silent' });
  registry = createMetricsRegistry('shrinkflation');
  const handlers =
    serviceDefinition.eventHandlers?.({
      config,
      logger,
      database,
      nc: stream.nc,
      registry,
      readiness: {},
      resources: new AppResources(),
    }) ?? [];
  consumer = new EventConsumer({
    name: 'shrinkflation',
    database,
    nc: stream.nc,
    logger,
    handlers,
    registry,
    streamName: stream.streamName,
    subjectPrefix: stream.subjectPrefix,
  });
  await consumer.start();
});
afterAll(async () => {
  await consumer?.stop();
  await stream?.cleanup();
  await database?.drop();
});

async function publishToStream(envelope: EventEnvelope, msgID?: string): Promise<void> {
  await jetstream(stream.nc).publish(`${stream.subjectPrefix}.${envelope.type}`, JSON.stringify(envelope), {
    ...(msgID && { msgID }),
  });
}

async function inboxCount(): Promise<number> {
  const result = await sql<{ count: string }>`select count(*) as count from inbox`.execute(database.db);
  return Number(result.rows[0]?.count ?? 0);
}

/** Bounded wait for the consumer to have applied (or de-duplicated) `count` events. */
async function waitForInbox(count: number): Promise<void> {
  await eventually(`the consumer to apply ${count} events`, async () => (await inboxCount()) >= count);
}

it('detects 16 oz -> 14.5 oz at $3.99 from published observations, once, despite redeliveries', async () => {
  const cereal = product();
  const store = 'fresh-mart';
  const envelopes: PriceObservedEnvelope[] = [
    ...[0, 7, 14].map((d) =>
      observation(cereal, { size: size(16, 'oz'), priceCents: 399, at: day(d), store }),
    ),
    observation(cereal, { size: size(16, 'oz'), priceCents: 299, isSale: true, at: day(17), store }),
    ...[21, 28].map((d) =>
      observation(cereal, { size: size(14.5, 'oz'), priceCents: 399, at: day(d), store }),
    ),
  ].map((data) => envelopeOf(data));
  for (const envelope of envelopes) await publishToStream(envelope, envelope.id);
  // The same envelopes again without msgID (JetStream keeps them): the inbox drops them.
  for (const envelope of envelopes) await publishToStream(envelope);
  // The last observation again as a new event (a producer replay): the history drops it.
  const last = envelopes.at(-1);
  if (!last) throw new Error('no envelopes');
  const replay = envelopeOf(last.data);
  await publishToStream(replay, replay.id);
  await waitForInbox(envelopes.length + 1);

  const rows = await detections(database);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({
    product_id: cereal.productId,
    unit_price_change_pct: 10.34,
    status: 'detected',
  });
  const events = await detectedEvents(database);
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ shrinkflationId: rows[0]?.id, unitPriceChangePct: 10.34 });
  const stored = await database.db.selectFrom('pack_observation').select('observation_id').execute();
  expect(stored).toHaveLength(6);
  expect(eventCatalog.shrinkflationDetected.schema.safeParse(events[0]).success).toBe(true);
});

it('drops a receipt observation whose buyer was deleted before it arrived, and counts it', async () => {
  const buyer = newUserId();
  const cereal = product();
  const deletion = buildEnvelope(eventCatalog.userDeleted, {
    source: 'gateway',
    userId: buyer,
    subjectId: buyer,
    data: { userId: buyer },
  });
  const late = envelopeOf(
    observation(cereal, { size: size(16, 'oz'), priceCents: 399, at: day(0), source: 'receipt' }),
    buyer,
  );
  const before = await inboxCount();
  await publishToStream(deletion, deletion.id);
  await waitForInbox(before + 1);
  await publishToStream(late, late.id);
  await waitForInbox(before + 2);

  const stored = await database.db
    .selectFrom('pack_observation')
    .select('observation_id')
    .where('product_id', '=', cereal.productId)
    .execute();
  expect(stored).toEqual([]);
  expect(
    await counterValue(registry, 'cartwatch_events_handled_total', {
      type: eventCatalog.priceObserved.type,
      outcome: 'user_deleted',
    }),
  ).toBe(1);
});

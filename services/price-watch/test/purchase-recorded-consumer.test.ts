/**
 * purchase.recorded.v1 through price-watch's real EventConsumer (JetStream test stream, inbox,
 * retries, dead letters): a receipt with a return line (negative `paidCents`) is applied in one go.
 * The return is matched to its product but records no price; nothing is retried or dead-lettered.
 * A purchase that arrives after its user's deletion is dropped, not applied (docs/privacy.md).
 */
import { type EventEnvelope, eventCatalog } from '@cartwatch/common-types';
import { buildEnvelope, EventConsumer } from '@cartwatch/events';
import { createLogger, createMetricsRegistry, loadConfig } from '@cartwatch/service-kit';
import { AppResources } from '@cartwatch/service-runtime';
import { counterValue, createTestStream, type TestStream, testEnv, testUser } from '@cartwatch/testing';
import { jetstream } from '@nats-io/jetstream';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { envSchema } from '../src/config.js';
import { serviceDefinition } from '../src/service.js';
import { type PriceWatchHarness, purchase, startPriceWatch } from './support.js';

let harness: PriceWatchHarness;
let stream: TestStream;
let consumer: EventConsumer;
let registry: ReturnType<typeof createMetricsRegistry>;

beforeAll(async () => {
  harness = await startPriceWatch('pw_return_consumer');
  stream = await createTestStream();
  const { databaseUrl, natsUrl } = testEnv();
  const config = loadConfig(envSchema, {
    SERVICE_KEY: 'k'.repeat(32),
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    DB_SCHEMA: harness.database.schema,
    LOG_LEVEL: 'silent',
  });
  const logger = createLogger({ service: 'price-watch', level: 'silent' });
  registry = createMetricsRegistry('price-watch');
  const handlers =
    serviceDefinition.eventHandlers?.({
      config,
      logger,
      database: harness.database,
      nc: stream.nc,
      registry,
      readiness: {},
      resources: new AppResources(),
    }) ?? [];
  consumer = new EventConsumer({
    name: 'price-watch',
    database: harness.database,
    nc: stream.nc,
    logger,
    handlers,
    registry,
    streamName: stream.streamName,
    subjectPrefix: stream.subjectPrefix,
    // A failing handler would be dead-lettered within a second, not after minutes of backoff.
    maxDeliver: 2,
    backoffMs: [50],
  });
  await consumer.start();
});
afterAll(async () => {
  await consumer?.stop();
  await stream?.cleanup();
  await harness?.close();
});

/** Waits until the consumer is done with the event (handled, or given up on) and counts the outcomes. */
async function settled(): Promise<{ handled: number; failed: number; deadLettered: number }> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const outcome = {
      handled: await counterValue(registry, 'cartwatch_events_handled_total', { outcome: 'handled' }),
      failed: await counterValue(registry, 'cartwatch_events_handled_total', { outcome: 'failed' }),
      deadLettered: await counterValue(registry, 'cartwatch_dlq_total'),
    };
    if (outcome.handled + outcome.deadLettered > 0) return outcome;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the consumer neither handled nor dead-lettered the purchase');
}

it('matches a return line without observing a price, and neither retries nor dead-letters it', async () => {
  const user = testUser();
  const gtin = '4006381333931';
  const data = purchase(
    user.id,
    [
      { name: 'Granola 500 g', gtin, quantity: 2, unitPriceCents: 450, paidCents: 900 },
      { name: 'Granola 500 g', gtin, quantity: 1, unitPriceCents: 450, paidCents: -450, kind: 'return' },
    ],
    { storeSlug: 'fresh-mart' },
  );
  const envelope: EventEnvelope = buildEnvelope(eventCatalog.purchaseRecorded, {
    source: 'receipt-ingest',
    userId: user.id,
    subjectId: data.purchaseId,
    data,
  });
  await jetstream(stream.nc).publish(`${stream.subjectPrefix}.${envelope.type}`, JSON.stringify(envelope), {
    msgID: envelope.id,
  });

  expect(await settled()).toEqual({ handled: 1, failed: 0, deadLettered: 0 });
  const db = harness.database.db;
  const inbox = await sql<{ event_id: string }>`select event_id from inbox`.execute(db);
  expect(inbox.rows).toEqual([{ event_id: envelope.id }]);
  const matches = await db
    .selectFrom('purchase_line_match')
    .select(['line_id', 'product_id'])
    .where('purchase_id', '=', data.purchaseId)
    .execute();
  expect(matches).toHaveLength(2);
  expect(new Set(matches.map((match) => match.product_id)).size).toBe(1);
  const observations = await db
    .selectFrom('price_observation')
    .select(['line_id', 'price_cents'])
    .where('user_id', '=', user.id)
    .execute();
  expect(observations).toEqual([{ line_id: data.items[0]?.lineId, price_cents: 450 }]);
});

async function publishEnvelope(envelope: EventEnvelope): Promise<void> {
  await jetstream(stream.nc).publish(`${stream.subjectPrefix}.${envelope.type}`, JSON.stringify(envelope), {
    msgID: envelope.id,
  });
}

async function applied(eventId: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const rows = await sql`select 1 from inbox where event_id = ${eventId}::uuid`.execute(
      harness.database.db,
    );
    if (rows.rows.length === 1) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the consumer did not apply event ${eventId}`);
}

it('drops a purchase of a user whose deletion it applied, and counts it', async () => {
  const user = testUser();
  const deletion = buildEnvelope(eventCatalog.userDeleted, {
    source: 'gateway',
    userId: user.id,
    subjectId: user.id,
    data: { userId: user.id },
  });
  await publishEnvelope(deletion);
  await applied(deletion.id);
  const data = purchase(user.id, [
    { name: 'Granola 500 g', gtin: '4006381333931', quantity: 1, unitPriceCents: 450, paidCents: 450 },
  ]);
  const late = buildEnvelope(eventCatalog.purchaseRecorded, {
    source: 'receipt-ingest',
    userId: user.id,
    subjectId: data.purchaseId,
    data,
  });
  await publishEnvelope(late);
  await applied(late.id);

  const db = harness.database.db;
  expect(
    await db
      .selectFrom('purchase_line_match')
      .select('line_id')
      .where('purchase_id', '=', data.purchaseId)
      .execute(),
  ).toEqual([]);
  expect(
    await db.selectFrom('price_observation').select('line_id').where('user_id', '=', user.id).execute(),
  ).toEqual([]);
  expect(
    await counterValue(registry, 'cartwatch_events_handled_total', {
      type: eventCatalog.purchaseRecorded.type,
      outcome: 'user_deleted',
    }),
  ).toBe(1);
});

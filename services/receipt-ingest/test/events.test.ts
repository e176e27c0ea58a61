/**
 * Events end to end on a private stream: a recorded purchase reaches JetStream through the outbox
 * relay; product.matched.v1 fills the line's product id; user.deleted.v1 purges the user's data and
 * leaves a tombstone.
 */
import { eventCatalog } from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import { buildEnvelope, EventConsumer, OutboxRelay } from '@cartwatch/events';
import { createTestStream, eventually, type TestStream } from '@cartwatch/testing';
import { jetstream } from '@nats-io/jetstream';
import { sql } from 'kysely';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productMatchedHandler } from '../src/events/product-matched.handler.js';
import { userDeletedHandler } from '../src/events/user-deleted.handler.js';
import { as, createHarness, createRetailer, type Harness, testUser } from './harness.js';

let harness: Harness;
let stream: TestStream;
let relay: OutboxRelay;
let consumer: EventConsumer;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  harness = await createHarness('ingest_events');
  await createRetailer(harness.app, 'fresh-mart');
  stream = await createTestStream();
  relay = new OutboxRelay({
    database: harness.database,
    nc: stream.nc,
    logger,
    subjectPrefix: stream.subjectPrefix,
    pollIntervalMs: 100,
  });
  consumer = new EventConsumer({
    name: 'receipt-ingest',
    database: harness.database,
    nc: stream.nc,
    logger,
    streamName: stream.streamName,
    subjectPrefix: stream.subjectPrefix,
    handlers: [productMatchedHandler, userDeletedHandler],
  });
  relay.start();
  await consumer.start();
});
afterAll(async () => {
  await consumer.stop();
  await relay.stop();
  await stream.cleanup();
  await harness.close();
});

async function send(
  definition: typeof eventCatalog.productMatched | typeof eventCatalog.userDeleted,
  data: never,
) {
  const envelope = buildEnvelope(definition, { source: 'price-watch', data });
  await jetstream(stream.nc).publish(`${stream.subjectPrefix}.${definition.type}`, JSON.stringify(envelope), {
    msgID: envelope.id,
  });
}

async function importOne(userId: string) {
  const response = await request(harness.app)
    .post('/receipts')
    .set(as({ id: userId }))
    .send({
      storeSlug: 'fresh-mart',
      purchasedAt: '2026-11-01T09:00:00Z',
      currency: 'USD',
      retailerReceiptId: newId(),
      items: [
        { name: 'Oat Milk', gtin: '00012345678905', unitPriceCents: 429 },
        { name: 'Carrots', quantity: 0.75, unit: 'kg', unitPriceCents: 180 },
      ],
    })
    .expect(201);
  return response.body.purchase as { id: string; items: Array<{ lineId: string; productId: string | null }> };
}

describe('events', () => {
  it('publishes purchase.recorded.v1 through the outbox', async () => {
    const purchase = await importOne(testUser().id);
    const published = await eventually('the purchase event published', async () => {
      const { rows } = await sql<{ subject: string | null }>`
        select subject from outbox where payload->>'subjectId' = ${purchase.id} and published_at is not null`.execute(
        harness.database.db,
      );
      return rows[0];
    });
    expect(published.subject).toBe(`${stream.subjectPrefix}.purchase.recorded.v1`);
  });

  it('fills the line item product id from product.matched.v1', async () => {
    const user = testUser();
    const purchase = await importOne(user.id);
    const productId = newId();
    const line = purchase.items[0] as { lineId: string };
    await send(eventCatalog.productMatched, {
      purchaseId: purchase.id,
      lineId: line.lineId,
      productId,
      method: 'gtin',
      confidence: 1,
    } as never);
    const matched = await eventually('the product match applied', async () => {
      const response = await request(harness.app).get(`/purchases/${purchase.id}`).set(as(user)).expect(200);
      return response.body.items[0].productId ?? undefined;
    });
    expect(matched).toBe(productId);
    const response = await request(harness.app).get(`/purchases/${purchase.id}`).set(as(user)).expect(200);
    expect(response.body.items[1].productId).toBeNull();
  });

  it('purges every purchase of a deleted user and nobody else', async () => {
    const leaving = testUser();
    const staying = testUser();
    await importOne(leaving.id);
    await importOne(leaving.id);
    const kept = await importOne(staying.id);
    await send(eventCatalog.userDeleted, { userId: leaving.id } as never);
    await eventually('the purchases purged', async () => {
      const { rows } = await sql<{
        n: number;
      }>`select count(*)::int as n from purchase where user_id = ${leaving.id}`.execute(harness.database.db);
      return rows[0]?.n === 0 ? true : undefined;
    });
    await request(harness.app).get(`/purchases/${kept.id}`).set(as(staying)).expect(200);
    // The purge left a tombstone in the same transaction: a late event about the user is dropped.
    const { rows: tombstones } = await sql<{ user_id: string }>`
      select user_id from deleted_user where user_id in (${leaving.id}, ${staying.id})`.execute(
      harness.database.db,
    );
    expect(tombstones).toEqual([{ user_id: leaving.id }]);
  });
});

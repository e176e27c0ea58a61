/** Consumed events through a real JetStream consumer: the price read model and the user purge. */
import { eventCatalog } from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import { buildEnvelope, EventConsumer, registerEventMetrics } from '@cartwatch/events';
import { counterValue, createTestStream, eventually, newUserId } from '@cartwatch/testing';
import { jetstream } from '@nats-io/jetstream';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { priceObservedHandler, priceSharedHandler } from '../src/events/price-observed.handler.js';
import { productMatchedHandler } from '../src/events/product-matched.handler.js';
import { purchaseRecordedHandler } from '../src/events/purchase-recorded.handler.js';
import { userDeletedHandler } from '../src/events/user-deleted.handler.js';
import { type CouponTestContext, setUpCouponTest } from './support.js';

let ctx: CouponTestContext;
let stream: Awaited<ReturnType<typeof createTestStream>>;
let consumer: EventConsumer;

beforeAll(async () => {
  ctx = await setUpCouponTest('coupon_events');
  stream = await createTestStream();
  consumer = new EventConsumer({
    name: 'coupon',
    database: ctx.database,
    nc: stream.nc,
    logger: pino({ level: 'silent' }),
    streamName: stream.streamName,
    subjectPrefix: stream.subjectPrefix,
    handlers: [
      priceObservedHandler,
      priceSharedHandler,
      purchaseRecordedHandler,
      productMatchedHandler,
      userDeletedHandler,
    ],
  });
  await consumer.start();
});
afterAll(async () => {
  await consumer?.stop();
  await stream?.cleanup();
  await ctx?.close();
});

async function send<T extends (typeof eventCatalog)[keyof typeof eventCatalog]>(
  definition: T,
  data: Parameters<typeof buildEnvelope<T>>[1]['data'],
  userId?: string,
): Promise<string> {
  const envelope = buildEnvelope(definition, { source: 'price-watch', data, ...(userId ? { userId } : {}) });
  await jetstream(stream.nc).publish(`${stream.subjectPrefix}.${definition.type}`, JSON.stringify(envelope));
  return envelope.id;
}

const observed = (productId: string, priceCents: number, observedAt: string) => ({
  observationId: newId(),
  productId,
  name: 'Greek yoghurt',
  brand: 'Olympus',
  category: 'dairy',
  storeSlug: 'ev-store',
  priceCents,
  currency: 'USD',
  isSale: false,
  source: 'catalog' as const,
  observedAt,
});

describe('consumed events', () => {
  it('keeps the newest price per product and store, whatever order observations arrive in', async () => {
    const productId = newId();
    const eventIds = [
      await send(eventCatalog.priceObserved, observed(productId, 450, '2026-11-20T10:00:00.000Z')),
      await send(eventCatalog.priceObserved, observed(productId, 399, '2026-11-18T10:00:00.000Z')),
    ];
    // The consumer applies batches in parallel, so wait for both events themselves: the inbox row of an
    // event commits in the same transaction as its effect.
    await eventually('both price events applied', async () => {
      const applied = await sql<{ n: number }>`
        select count(*)::int as n from inbox where event_id = any(${eventIds}::uuid[])`.execute(
        ctx.database.db,
      );
      return applied.rows[0]?.n === 2;
    });
    const row = await ctx.database.db
      .selectFrom('store_price')
      .selectAll()
      .where('product_id', '=', productId)
      .executeTakeFirstOrThrow();
    expect(Number(row.price_cents)).toBe(450);
    expect(new Date(row.observed_at).toISOString()).toBe('2026-11-20T10:00:00.000Z');
    const product = await ctx.database.db
      .selectFrom('product')
      .selectAll()
      .where('product_id', '=', productId)
      .executeTakeFirstOrThrow();
    expect(product).toMatchObject({ name: 'Greek yoghurt', brand: 'Olympus', category: 'dairy' });
  });

  it('keeps a receipt price for its buyer only and a shared price for everyone', async () => {
    const productId = newId();
    const buyer = newUserId();
    const receiptId = await send(
      eventCatalog.priceObserved,
      { ...observed(productId, 1, '2026-11-21T10:00:00.000Z'), source: 'receipt' },
      buyer,
    );
    const sharedId = await send(eventCatalog.priceShared, {
      observationId: newId(),
      productId,
      storeSlug: 'ev-store',
      priceCents: 69,
      currency: 'USD',
      isSale: false,
      basis: 'consensus',
      contributors: 3,
      observedAt: '2026-11-20T10:00:00.000Z',
    });
    await eventually('the receipt and shared prices applied', async () => {
      const applied = await sql<{ n: number }>`
        select count(*)::int as n from inbox where event_id = any(${[receiptId, sharedId]}::uuid[])`.execute(
        ctx.database.db,
      );
      return applied.rows[0]?.n === 2;
    });
    const shared = await ctx.database.db
      .selectFrom('store_price')
      .selectAll()
      .where('product_id', '=', productId)
      .execute();
    expect(shared.map((row) => [Number(row.price_cents), row.source])).toEqual([[69, 'consensus']]);
    const own = await ctx.database.db
      .selectFrom('own_price')
      .selectAll()
      .where('product_id', '=', productId)
      .execute();
    expect(own.map((row) => [row.user_id, Number(row.price_cents)])).toEqual([[buyer, 1]]);
    await send(eventCatalog.userDeleted, { userId: buyer }, buyer);
    await eventually("the buyer's own prices purged", async () => {
      const rows = await ctx.database.db
        .selectFrom('own_price')
        .select('user_id')
        .where('user_id', '=', buyer)
        .execute();
      return rows.length === 0;
    });
  });

  it('records purchase lines, matches their product, and purges everything of a deleted user', async () => {
    const userId = newUserId();
    const purchaseId = newId();
    const lineId = newId();
    const productId = newId();
    await ctx.database.db
      .insertInto('shopping_list')
      .values({ id: newId(), user_id: userId, name: 'mine' })
      .execute();
    await send(
      eventCatalog.purchaseRecorded,
      {
        purchaseId,
        userId,
        storeSlug: 'ev-store',
        purchasedAt: new Date().toISOString(),
        currency: 'USD',
        items: [{ lineId, name: 'Yoghurt', quantity: 1, unitPriceCents: 450, paidCents: 450 }],
      },
      userId,
    );
    await eventually('the purchase line stored', async () =>
      Boolean(
        await ctx.database.db
          .selectFrom('purchase_line')
          .select('line_id')
          .where('line_id', '=', lineId)
          .executeTakeFirst(),
      ),
    );
    await send(eventCatalog.productMatched, {
      purchaseId,
      lineId,
      productId,
      method: 'name',
      confidence: 0.9,
    });
    await eventually('the product match applied', async () => {
      const line = await ctx.database.db
        .selectFrom('purchase_line')
        .select('product_id')
        .where('line_id', '=', lineId)
        .executeTakeFirst();
      return line?.product_id === productId;
    });
    await send(eventCatalog.userDeleted, { userId }, userId);
    await eventually("the deleted user's lists and lines purged", async () => {
      const lists = await ctx.database.db
        .selectFrom('shopping_list')
        .select('id')
        .where('user_id', '=', userId)
        .execute();
      const lines = await ctx.database.db
        .selectFrom('purchase_line')
        .select('line_id')
        .where('user_id', '=', userId)
        .execute();
      return lists.length === 0 && lines.length === 0;
    });
  });

  it('drops a purchase event that arrives after the user was deleted, and counts it', async () => {
    const userId = newUserId();
    const purchase = (purchaseId: string, lineId: string) => ({
      purchaseId,
      userId,
      storeSlug: 'ev-store',
      purchasedAt: new Date().toISOString(),
      currency: 'USD',
      items: [{ lineId, name: 'Late yoghurt', quantity: 1, unitPriceCents: 450, paidCents: 450 }],
    });
    const deletionId = await send(eventCatalog.userDeleted, { userId }, userId);
    await eventually('the deletion applied', async () => {
      const applied = await sql<{ n: number }>`
        select count(*)::int as n from inbox where event_id = ${deletionId}::uuid`.execute(ctx.database.db);
      return applied.rows[0]?.n === 1;
    });
    const droppedBefore = await dropped();
    // A purchase the user made before deleting the account, still in flight when the purge ran.
    const lateId = await send(eventCatalog.purchaseRecorded, purchase(newId(), newId()), userId);
    await eventually('the late purchase event handled', async () => {
      const applied = await sql<{ n: number }>`
        select count(*)::int as n from inbox where event_id = ${lateId}::uuid`.execute(ctx.database.db);
      return applied.rows[0]?.n === 1;
    });
    const lines = await ctx.database.db
      .selectFrom('purchase_line')
      .select('line_id')
      .where('user_id', '=', userId)
      .execute();
    expect(lines).toEqual([]);
    expect(await dropped()).toBe(droppedBefore + 1);
  });
});

/** Messages the consumer dropped because their user is deleted. */
async function dropped(): Promise<number> {
  const { eventsHandled } = registerEventMetrics();
  return counterValue({ getSingleMetric: () => eventsHandled }, 'cartwatch_events_handled_total', {
    consumer: 'coupon',
    type: eventCatalog.purchaseRecorded.type,
    outcome: 'user_deleted',
  });
}

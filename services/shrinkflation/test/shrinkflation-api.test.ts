/** The HTTP API over detections: lists with filters and cursors, evidence, size history, review, public list. */
import { eventCatalog } from '@cartwatch/common-types';
import { withTransaction } from '@cartwatch/db';
import { buildEnvelope } from '@cartwatch/events';
import {
  serviceHeaders,
  TEST_SERVICE_KEY,
  type TestDatabase,
  testAdmin,
  testStaff,
  testUser,
} from '@cartwatch/testing';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { userDeletedHandler } from '../src/events/user-deleted.handler.js';
import {
  createShrinkDatabase,
  createTestApp,
  day,
  detectedEvents,
  envelopeOf,
  observation,
  observe,
  type ProductFixture,
  product,
  size,
  startFakeGateway,
} from './support.js';

let database: TestDatabase<DB>;
let app: Express;
let closeApp: () => Promise<void>;
const user = testUser();
const admin = testAdmin();
const asUser = serviceHeaders(TEST_SERVICE_KEY, user);
const asAdmin = serviceHeaders(TEST_SERVICE_KEY, admin);
const serviceOnly = serviceHeaders(TEST_SERVICE_KEY);

/** Three shrinks: cereal at fresh-mart (high), coffee at corner-shop (high), soap at fresh-mart (price cut, low). */
const cereal = product({ name: 'Crunchy Oat Cereal', brand: 'Oatly Farms', category: 'breakfast' });
const coffee = product({ name: 'Dark Roast', brand: 'Hilltop', category: 'coffee' });
const soap = product({ name: 'Lavender Soap', brand: 'Clean Co', category: 'household' });

async function shrink(item: ProductFixture, store: string, offset: number, newPrice = 399): Promise<void> {
  await observe(
    database,
    ...[0, 7, 14].map((d) =>
      observation(item, { size: size(16, 'oz'), priceCents: 399, at: day(offset + d), store }),
    ),
    ...[21, 28].map((d) =>
      observation(item, { size: size(14.5, 'oz'), priceCents: newPrice, at: day(offset + d), store }),
    ),
  );
}

async function idOf(item: ProductFixture): Promise<string> {
  const row = await database.db
    .selectFrom('shrinkflation')
    .select('id')
    .where('product_id', '=', item.productId)
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Each describe below works on a schema of its own holding the three shrinks, so what one group of tests
 * changes (reviews, new detections, a deleted user) never reaches another, in whatever order they run.
 */
function withTheThreeShrinks(fresh: 'per describe' | 'per test' = 'per describe'): void {
  const [before, after] = fresh === 'per test' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(async () => {
    database = await createShrinkDatabase('shrink_api');
    ({ app, close: closeApp } = createTestApp(database.schema));
    await shrink(cereal, 'fresh-mart', 0);
    await shrink(coffee, 'corner-shop', 30);
    await shrink(soap, 'fresh-mart', 60, 379);
  });
  after(async () => {
    await closeApp();
    await database.drop();
  });
}

describe('GET /shrinkflation', () => {
  withTheThreeShrinks();

  it('lists detections newest first', async () => {
    const res = await request(app).get('/shrinkflation').set(asUser).expect(200);
    expect(res.body.items.map((i: { productId: string }) => i.productId)).toEqual([
      soap.productId,
      coffee.productId,
      cereal.productId,
    ]);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.items[2]).toMatchObject({
      kind: 'same-product',
      status: 'detected',
      storeSlug: 'fresh-mart',
      unitPriceChangePct: 10.34,
      qualityAdjustedPriceCents: 440,
      currency: 'USD',
      oldSize: { unit: 'g', value: 453.59237 },
      newSize: { unit: 'g', value: 411.068085 },
    });
  });

  it('filters by store, brand (any case), category and since', async () => {
    const byStore = await request(app).get('/shrinkflation?store=fresh-mart').set(asUser).expect(200);
    expect(byStore.body.items.map((i: { productId: string }) => i.productId)).toEqual([
      soap.productId,
      cereal.productId,
    ]);
    const byBrand = await request(app).get('/shrinkflation?brand=hilltop').set(asUser).expect(200);
    expect(byBrand.body.items.map((i: { productId: string }) => i.productId)).toEqual([coffee.productId]);
    const byCategory = await request(app).get('/shrinkflation?category=household').set(asUser).expect(200);
    expect(byCategory.body.items.map((i: { productId: string }) => i.productId)).toEqual([soap.productId]);
    const since = await request(app)
      .get(`/shrinkflation?since=${encodeURIComponent(day(51))}`)
      .set(asUser)
      .expect(200);
    expect(since.body.items.map((i: { productId: string }) => i.productId)).toEqual([
      soap.productId,
      coffee.productId,
    ]);
  });

  it('pages with a cursor', async () => {
    const first = await request(app).get('/shrinkflation?limit=2').set(asUser).expect(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await request(app)
      .get(`/shrinkflation?limit=2&cursor=${first.body.nextCursor}`)
      .set(asUser)
      .expect(200);
    expect(second.body.items.map((i: { productId: string }) => i.productId)).toEqual([cereal.productId]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('rejects unknown query fields and bad cursors with per-field issues', async () => {
    const res = await request(app).get('/shrinkflation?colour=red').set(asUser).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.issues).toContainEqual(expect.objectContaining({ path: 'colour' }));
    const cursor = await request(app).get('/shrinkflation?cursor=nonsense').set(asUser).expect(400);
    expect(cursor.body.error.details.issues).toContainEqual(expect.objectContaining({ path: 'cursor' }));
  });

  it('requires a signed-in user', async () => {
    await request(app).get('/shrinkflation').set(serviceOnly).expect(401);
    await request(app).get('/shrinkflation').expect(401);
  });
});

describe('GET /shrinkflation/{id}', () => {
  withTheThreeShrinks();

  it('shows the evidence: regular observations before and after the change', async () => {
    const id = await idOf(cereal);
    const res = await request(app).get(`/shrinkflation/${id}`).set(asUser).expect(200);
    expect(res.body.evidence.before.map((o: { observedAt: string }) => o.observedAt)).toEqual([
      day(0),
      day(7),
      day(14),
    ]);
    expect(res.body.evidence.after.map((o: { observedAt: string }) => o.observedAt)).toEqual([
      day(21),
      day(28),
    ]);
    expect(res.body.evidence.after[0]).toMatchObject({
      priceCents: 399,
      isSale: false,
      size: { unit: 'g', value: 411.068085 },
    });
    expect(res.body.factors).toHaveLength(5);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    await request(app).get('/shrinkflation/0190f0c4-0000-7000-8000-000000000000').set(asUser).expect(404);
    await request(app).get('/shrinkflation/not-a-uuid').set(asUser).expect(400);
  });
});

describe('GET /shrinkflation/products/{productId}', () => {
  withTheThreeShrinks();

  it('returns the size history per store with sale observations counted', async () => {
    const bar = product({ name: 'Granola Bar', brand: 'Oatly Farms' });
    await observe(
      database,
      observation(bar, { size: size(6, 'ct'), priceCents: 299, at: day(0), store: 'fresh-mart' }),
      observation(bar, {
        size: size(6, 'ct'),
        priceCents: 249,
        isSale: true,
        at: day(3),
        store: 'fresh-mart',
      }),
      observation(bar, { size: size(5, 'ct'), priceCents: 299, at: day(9), store: 'fresh-mart' }),
      observation(bar, { size: size(6, 'ct'), priceCents: 319, at: day(2), store: 'corner-shop' }),
      observation(bar, { priceCents: 319, at: day(4), store: 'corner-shop' }),
    );
    const res = await request(app).get(`/shrinkflation/products/${bar.productId}`).set(asUser).expect(200);
    expect(res.body).toMatchObject({ productId: bar.productId, name: 'Granola Bar', brand: 'Oatly Farms' });
    expect(res.body.periods).toEqual([
      {
        storeSlug: 'corner-shop',
        size: { value: 6, unit: 'ct' },
        from: day(2),
        to: day(2),
        observations: 1,
        saleObservations: 0,
        minPriceCents: 319,
        maxPriceCents: 319,
        currency: 'USD',
      },
      expect.objectContaining({
        storeSlug: 'fresh-mart',
        size: { value: 6, unit: 'ct' },
        observations: 2,
        saleObservations: 1,
        minPriceCents: 249,
        to: day(3),
      }),
      expect.objectContaining({
        storeSlug: 'fresh-mart',
        size: { value: 5, unit: 'ct' },
        observations: 1,
        from: day(9),
      }),
    ]);
  });

  it('answers 404 for a product never observed', async () => {
    await request(app)
      .get('/shrinkflation/products/0190f0c4-0000-7000-8000-000000000001')
      .set(asUser)
      .expect(404);
  });
});

describe('review', () => {
  // Reviews change what the others see: every test starts from the three shrinks.
  withTheThreeShrinks('per test');

  it('lets only admins confirm or reject: shoppers and store staff get 403 and the detection stays', async () => {
    const id = await idOf(soap);
    const res = await request(app).post(`/shrinkflation/${id}/confirm`).set(asUser).expect(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    // Review is platform moderation: even staff of the retailer the shrink was seen at may not do it.
    const asStaff = serviceHeaders(TEST_SERVICE_KEY, testStaff('fresh-mart'));
    for (const action of ['confirm', 'reject']) {
      const refused = await request(app)
        .post(`/shrinkflation/${id}/${action}`)
        .set(asStaff)
        .send({})
        .expect(403);
      expect(refused.body.error).toMatchObject({ code: 'FORBIDDEN', message: 'admin role required' });
    }
    await request(app).post(`/shrinkflation/${id}/reject`).set(serviceOnly).expect(401);
    const row = await database.db
      .selectFrom('shrinkflation')
      .select(['status', 'reviewed_by'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'detected', reviewed_by: null });
  });

  it('rejects unknown body fields', async () => {
    const id = await idOf(soap);
    const res = await request(app)
      .post(`/shrinkflation/${id}/reject`)
      .set(asAdmin)
      .send({ note: 'x', verdict: 'no' })
      .expect(400);
    expect(res.body.error.details.issues).toContainEqual(expect.objectContaining({ path: 'verdict' }));
  });

  it('never alerts for a rejected detection, even when later evidence raises its confidence', async () => {
    const toy = product({ name: 'Building Blocks', brand: 'Brickly', category: 'toys' });
    await shrink(toy, 'toy-town', 0, 379); // price cut: below the alert threshold, not published
    const id = await idOf(toy);
    const rejected = await request(app)
      .post(`/shrinkflation/${id}/reject`)
      .set(asAdmin)
      .send({ note: 'multipack relabelled' })
      .expect(200);
    expect(rejected.body).toMatchObject({ id, status: 'rejected', reviewedAt: expect.any(String) });

    await observe(
      database,
      ...[35, 42, 49].map((d) =>
        observation(toy, { size: size(14.5, 'oz'), priceCents: 419, at: day(d), store: 'toy-town' }),
      ),
    );
    const row = await database.db
      .selectFrom('shrinkflation')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('rejected');
    expect(row.published_at).toBeNull();
    expect((await detectedEvents(database)).filter((e) => e.shrinkflationId === id)).toHaveLength(0);
    const list = await request(app).get('/shrinkflation?store=toy-town').set(asUser).expect(200);
    expect(list.body.items).toHaveLength(0);
    const rejectedList = await request(app)
      .get('/shrinkflation?store=toy-town&status=rejected')
      .set(asUser)
      .expect(200);
    expect(rejectedList.body.items.map((i: { id: string }) => i.id)).toEqual([id]);
  });

  it('alerts once when an admin confirms a low-confidence detection', async () => {
    const id = await idOf(soap);
    expect((await detectedEvents(database)).filter((e) => e.shrinkflationId === id)).toHaveLength(0);
    const res = await request(app).post(`/shrinkflation/${id}/confirm`).set(asAdmin).expect(200);
    expect(res.body.status).toBe('confirmed');
    await request(app).post(`/shrinkflation/${id}/confirm`).set(asAdmin).expect(200);
    const events = (await detectedEvents(database)).filter((e) => e.shrinkflationId === id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'confirmed', productId: soap.productId });
  });

  it('answers 404 when reviewing an unknown detection', async () => {
    await request(app)
      .post('/shrinkflation/0190f0c4-0000-7000-8000-000000000002/confirm')
      .set(asAdmin)
      .expect(404);
  });
});

describe('GET /public/shrinkflation', () => {
  // Reviews change what the others see: every test starts from the three shrinks.
  withTheThreeShrinks('per test');

  it('lists only confirmed or high-confidence detections, with Cache-Control and an ETag', async () => {
    const { app: freshApp, close } = createTestApp(database.schema);
    try {
      const res = await request(freshApp).get('/public/shrinkflation').set(serviceOnly).expect(200);
      // The gateway holds the one public cache; this answer only tells others to revalidate.
      expect(res.headers['cache-control']).toBe('public, no-cache');
      expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const ids = res.body.items.map((i: { productId: string }) => i.productId);
      expect(ids).toContain(cereal.productId);
      expect(ids).toContain(coffee.productId);
      expect(
        res.body.items.every((i: Record<string, unknown>) => !('factors' in i) && !('status' in i)),
      ).toBe(true);
      const toyRejected = res.body.items.find((i: { name: string }) => i.name === 'Building Blocks');
      expect(toyRejected).toBeUndefined();

      await request(freshApp)
        .get('/public/shrinkflation')
        .set({ ...serviceOnly, 'If-None-Match': res.headers.etag })
        .expect(304);
    } finally {
      await close();
    }
  });

  it("keeps no cache of its own, and purges the gateway's public cache once a review committed", async () => {
    const gateway = await startFakeGateway();
    const { app: reviewApp, close } = createTestApp(database.schema, { GATEWAY_URL: gateway.url });
    try {
      const list = () =>
        request(reviewApp).get('/public/shrinkflation?store=corner-shop').set(serviceOnly).expect(200);
      const first = await list();
      expect(first.body.items.map((i: { productId: string }) => i.productId)).toEqual([coffee.productId]);
      // A change behind this process's back (another replica's write) shows at once: nothing is cached here.
      await database.db
        .updateTable('shrinkflation')
        .set({ confidence: 0.1 })
        .where('product_id', '=', coffee.productId)
        .execute();
      expect((await list()).body.items).toHaveLength(0);
      expect(gateway.purges).toEqual([]);
      // A review purges the gateway's copy before it answers.
      await request(reviewApp)
        .post(`/shrinkflation/${await idOf(coffee)}/reject`)
        .set(asAdmin)
        .expect(200);
      expect(gateway.purges).toEqual([{ body: { route: '/public/shrinkflation' }, keyed: true }]);
    } finally {
      await close();
      await gateway.close();
    }
  });

  it('answers a review even when the gateway cannot be reached (the purge is only logged)', async () => {
    // createTestApp points GATEWAY_URL at a closed port.
    const res = await request(app)
      .post(`/shrinkflation/${await idOf(coffee)}/reject`)
      .set(asAdmin)
      .expect(200);
    expect(res.body.status).toBe('rejected');
  });

  it('rejects a status filter (the public list decides visibility itself)', async () => {
    await request(app).get('/public/shrinkflation?status=rejected').set(serviceOnly).expect(400);
  });
});

describe('independent evidence and the moderation queue (docs/shrinkflation.md)', () => {
  withTheThreeShrinks();

  it('keeps one shopper’s claim off the public list until an admin confirms it; queues it for admins only', async () => {
    const store = 'one-shopper-mart';
    const crisps = product({ name: 'Sea Salt Crisps', brand: 'Crunch Co', category: 'snacks' });
    const shopper = testUser();
    for (const [index, grams] of [200, 200, 200, 170, 170, 170].entries()) {
      const seen = observation(crisps, {
        size: size(grams, 'g'),
        priceCents: 299,
        at: day(40 + index * 7),
        store,
        source: 'receipt',
      });
      await observe(database, envelopeOf(seen, shopper.id));
    }
    const id = await idOf(crisps);
    const publicIds = async () =>
      (
        await request(app).get(`/public/shrinkflation?store=${store}`).set(serviceOnly).expect(200)
      ).body.items.map((item: { id: string }) => item.id);
    expect(await publicIds()).toEqual([]);
    // Nor does another signed-in shopper read it before a review.
    const listed = await request(app).get(`/shrinkflation?store=${store}`).set(asUser).expect(200);
    expect(listed.body.items).toEqual([]);
    await request(app).get(`/shrinkflation/${id}`).set(asUser).expect(404);
    // Its contributor does: their own receipts are its evidence.
    const asShopper = serviceHeaders(TEST_SERVICE_KEY, shopper);
    const own = await request(app).get(`/shrinkflation?store=${store}`).set(asShopper).expect(200);
    expect(own.body.items.map((item: { id: string }) => item.id)).toEqual([id]);
    await request(app).get(`/shrinkflation/${id}`).set(asShopper).expect(200);

    // The queue: admins only (a shopper and the store's own staff get 403).
    await request(app).get('/shrinkflation/moderation').set(asUser).expect(403);
    await request(app)
      .get('/shrinkflation/moderation')
      .set(serviceHeaders(TEST_SERVICE_KEY, testStaff(store)))
      .expect(403);
    const queue = await request(app).get('/shrinkflation/moderation?limit=100').set(asAdmin).expect(200);
    const queued = queue.body.items.find((item: { id: string }) => item.id === id);
    expect(queued).toMatchObject({
      status: 'detected',
      contributors: 1,
      storeSourced: false,
      independent: false,
    });
    expect(queued.confidence).toBeGreaterThanOrEqual(0.8);

    await request(app).post(`/shrinkflation/${id}/confirm`).set(asAdmin).expect(200);
    expect(await publicIds()).toEqual([id]);
    const after = await request(app).get('/shrinkflation/moderation?limit=100').set(asAdmin).expect(200);
    expect(after.body.items.map((item: { id: string }) => item.id)).not.toContain(id);
  });
});

describe('OpenAPI', () => {
  withTheThreeShrinks();

  // Every mounted route documented (and only those): tests/platform/test/routes-documented.test.ts.
  it('documents the routes with the schemas they validate with', async () => {
    const res = await request(app).get('/internal/openapi.json').set(serviceOnly).expect(200);
    expect(res.body.components.schemas).toHaveProperty('ShrinkflationDetail');
    expect(res.body.components.schemas).toHaveProperty('ShrinkflationConfidenceFactor');
  });
});

describe('user.deleted.v1', () => {
  withTheThreeShrinks();

  it("detaches the user's receipts and reviews, keeping the market data", async () => {
    await request(app)
      .post(`/shrinkflation/${await idOf(cereal)}/confirm`)
      .set(asAdmin)
      .expect(200);
    const shopper = testUser();
    const milk = product({ name: 'Whole Milk', brand: 'Dairy Best' });
    const seen = observation(milk, { size: size(1, 'l'), priceCents: 199, at: day(1), store: 'fresh-mart' });
    await observe(database, envelopeOf(seen, shopper.id));
    const reviewerId = admin.id;
    await withTransaction(database.db, (trx) =>
      userDeletedHandler.handle(
        trx,
        buildEnvelope(eventCatalog.userDeleted, { source: 'gateway', data: { userId: shopper.id } }),
        { working: () => {}, deliveryCount: 1 },
      ),
    );
    await withTransaction(database.db, (trx) =>
      userDeletedHandler.handle(
        trx,
        buildEnvelope(eventCatalog.userDeleted, { source: 'gateway', data: { userId: reviewerId } }),
        { working: () => {}, deliveryCount: 1 },
      ),
    );
    const row = await database.db
      .selectFrom('pack_observation')
      .selectAll()
      .where('observation_id', '=', seen.observationId)
      .executeTakeFirstOrThrow();
    // A pseudonym, never the account id (docs/privacy.md).
    expect(row.user_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.user_id).not.toBe(shopper.id);
    expect(row.price_cents).toBe(199);
    const byUser = await database.db
      .selectFrom('pack_observation')
      .select('observation_id')
      .where('user_id', '=', shopper.id)
      .execute();
    expect(byUser).toHaveLength(0);
    const reviewed = await database.db
      .selectFrom('shrinkflation')
      .select(['reviewed_by', 'status'])
      .where('reviewed_at', 'is not', null)
      .execute();
    expect(reviewed.length).toBeGreaterThan(0);
    expect(reviewed.every((r) => r.reviewed_by === null)).toBe(true);
  });
});

/**
 * Roles on coupon writes: admins write every coupon; store staff only coupons whose `storeSlug` is their
 * retailer, never every-store coupons, and never move one to another retailer. Staff of another retailer
 * and shoppers get 403 and nothing changes (the row and the outbox are read back).
 */
import {
  serviceHeaders,
  TEST_SERVICE_KEY,
  type TestUser,
  testAdmin,
  testStaff,
  testUser,
} from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CouponTestContext, nextWeek, setUpCouponTest, yesterday } from './support.js';

let ctx: CouponTestContext;
const admin = testAdmin();
const staffA = testStaff('alpha-foods');
const staffB = testStaff('beta-mart');
const shopper = testUser();
const as = (user: TestUser) => serviceHeaders(TEST_SERVICE_KEY, user);

const coupon = (storeSlug: string | undefined, overrides: Record<string, unknown> = {}) => ({
  ...(storeSlug !== undefined && { storeSlug }),
  scope: { kind: 'category', category: 'Dairy' },
  type: 'percent',
  percentOff: 15,
  validFrom: yesterday(),
  validTo: nextWeek(),
  requiresClip: false,
  title: `15% off dairy at ${storeSlug ?? 'every store'}`,
  ...overrides,
});

async function create(user: TestUser, body: object): Promise<string> {
  const response = await request(ctx.app).post('/coupons').set(as(user)).send(body).expect(201);
  return response.body.id;
}

async function couponRow(id: string) {
  return ctx.database.db.selectFrom('coupon').selectAll().where('id', '=', id).executeTakeFirst();
}

async function publishedCount(): Promise<number> {
  const { rows } = await ctx.database.pool.query<{ n: string }>(
    `select count(*) as n from ${ctx.database.schema}.outbox where type = 'coupon.published.v1'`,
  );
  return Number(rows[0]?.n);
}

beforeAll(async () => {
  ctx = await setUpCouponTest('coupon_staff');
});
afterAll(() => ctx?.close());

describe('store staff write their own retailer’s coupons', () => {
  it('creates, replaces and deletes a coupon of their retailer', async () => {
    const id = await create(staffA, coupon('alpha-foods'));
    const replaced = await request(ctx.app)
      .put(`/coupons/${id}`)
      .set(as(staffA))
      .send(coupon('alpha-foods', { title: 'Now 20% off', percentOff: 20 }))
      .expect(200);
    expect(replaced.body).toMatchObject({ storeSlug: 'alpha-foods', title: 'Now 20% off', percentOff: 20 });
    await request(ctx.app).delete(`/coupons/${id}`).set(as(staffA)).expect(204);
    expect(await couponRow(id)).toBeUndefined();
  });

  it('refuses staff a coupon of another retailer or of every store, and shoppers any coupon', async () => {
    const couponIds = async () =>
      (await ctx.database.db.selectFrom('coupon').select('id').orderBy('id').execute()).map((row) => row.id);
    const before = { published: await publishedCount(), coupons: await couponIds() };
    for (const [user, body] of [
      [staffA, coupon('beta-mart')],
      [staffA, coupon(undefined)],
      [shopper, coupon('alpha-foods')],
    ] as const) {
      const refused = await request(ctx.app).post('/coupons').set(as(user)).send(body).expect(403);
      expect(refused.body.error.code).toBe('FORBIDDEN');
    }
    // Nothing was written (other tests of this file may have made coupons of every kind before).
    expect(await couponIds()).toEqual(before.coupons);
    expect(await publishedCount()).toBe(before.published);
  });

  it('refuses replacing or deleting another retailer’s or an every-store coupon, changing nothing', async () => {
    const ofB = await create(admin, coupon('beta-mart'));
    const everywhere = await create(admin, coupon(undefined));
    const snapshot = { ofB: await couponRow(ofB), everywhere: await couponRow(everywhere) };
    const published = await publishedCount();
    for (const user of [staffA, shopper]) {
      for (const id of [ofB, everywhere]) {
        await request(ctx.app)
          .put(`/coupons/${id}`)
          .set(as(user))
          .send(coupon('alpha-foods', { title: 'taken' }))
          .expect(403);
        await request(ctx.app).delete(`/coupons/${id}`).set(as(user)).expect(403);
      }
    }
    expect({ ofB: await couponRow(ofB), everywhere: await couponRow(everywhere) }).toEqual(snapshot);
    expect(await publishedCount()).toBe(published);
    // Their own staff and admins still may.
    await request(ctx.app).put(`/coupons/${ofB}`).set(as(staffB)).send(coupon('beta-mart')).expect(200);
    await request(ctx.app).delete(`/coupons/${everywhere}`).set(as(admin)).expect(204);
  });

  it('never moves a coupon to another retailer or to every store', async () => {
    const id = await create(staffA, coupon('alpha-foods', { title: 'stays at alpha' }));
    const before = await couponRow(id);
    for (const target of [coupon('beta-mart'), coupon(undefined)]) {
      const refused = await request(ctx.app).put(`/coupons/${id}`).set(as(staffA)).send(target).expect(403);
      expect(refused.body.error.code).toBe('FORBIDDEN');
    }
    expect(await couponRow(id)).toEqual(before);
  });

  it('does not let staff take over another retailer’s coupon through its externalId', async () => {
    const ofB = await create(admin, coupon('beta-mart', { externalId: 'feed-beta-1', title: 'beta feed' }));
    const before = await couponRow(ofB);
    const refused = await request(ctx.app)
      .post('/coupons')
      .set(as(staffA))
      .send(coupon('alpha-foods', { externalId: 'feed-beta-1', title: 'hijacked' }))
      .expect(403);
    expect(refused.body.error.message).toBe('externalId names a coupon of a retailer you do not manage');
    expect(await couponRow(ofB)).toEqual(before);
    // The retailer's own staff upsert it by the same externalId.
    const upserted = await request(ctx.app)
      .post('/coupons')
      .set(as(staffB))
      .send(coupon('beta-mart', { externalId: 'feed-beta-1', title: 'beta feed, v2' }))
      .expect(201);
    expect(upserted.body).toMatchObject({ id: ofB, title: 'beta feed, v2' });
  });
  it('answers 409 when a replace would give the coupon an externalId another coupon has', async () => {
    await create(staffA, coupon('alpha-foods', { externalId: 'alpha-taken', title: 'holds the id' }));
    const id = await create(staffA, coupon('alpha-foods', { title: 'wants the id' }));
    const before = await couponRow(id);
    const conflict = await request(ctx.app)
      .put(`/coupons/${id}`)
      .set(as(staffA))
      .send(coupon('alpha-foods', { externalId: 'alpha-taken', title: 'took the id' }))
      .expect(409);
    expect(conflict.body.error.code).toBe('CONFLICT');
    expect(await couponRow(id)).toEqual(before);
  });
});

describe('deal feeds from store staff', () => {
  it('imports their retailer’s entries and rejects the rest by row, changing nothing else', async () => {
    await create(admin, coupon('beta-mart', { externalId: 'feed-beta-2', title: 'beta two' }));
    const feed = {
      coupons: [
        coupon('alpha-foods', { externalId: 'feed-alpha-1', title: 'alpha one' }),
        coupon('beta-mart', { externalId: 'feed-beta-3', title: 'beta three by alpha' }),
        coupon(undefined, { title: 'everywhere by alpha' }),
        coupon('alpha-foods', { externalId: 'feed-beta-2', title: 'beta two hijacked' }),
      ],
    };
    const result = await request(ctx.app).post('/coupons/import').set(as(staffA)).send(feed).expect(200);
    expect(result.body).toMatchObject({ created: 1, updated: 0 });
    expect(result.body.rejected).toEqual([
      { row: 2, issues: [expect.objectContaining({ path: 'storeSlug', code: 'forbidden' })] },
      { row: 3, issues: [expect.objectContaining({ path: 'storeSlug', code: 'forbidden' })] },
      { row: 4, issues: [expect.objectContaining({ path: 'externalId', code: 'forbidden' })] },
    ]);
    const byExternalId = await ctx.database.db
      .selectFrom('coupon')
      .select(['external_id', 'store_slug', 'title'])
      .where('external_id', 'in', ['feed-alpha-1', 'feed-beta-2', 'feed-beta-3'])
      .orderBy('external_id')
      .execute();
    expect(byExternalId).toEqual([
      { external_id: 'feed-alpha-1', store_slug: 'alpha-foods', title: 'alpha one' },
      { external_id: 'feed-beta-2', store_slug: 'beta-mart', title: 'beta two' },
    ]);
    await request(ctx.app).post('/coupons/import').set(as(shopper)).send(feed).expect(403);
  });
});

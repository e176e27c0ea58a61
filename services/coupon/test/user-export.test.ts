/** GET /internal/users/{userId}/export: the named user's lists and clipped coupons, nobody else's. */
import type { UserRole } from '@cartwatch/common-types';
import { serviceHeaders, TEST_SERVICE_KEY, testAdmin, testUser } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CouponTestContext, nextWeek, setUpCouponTest, yesterday } from './support.js';

let ctx: CouponTestContext;
const as = (user: { id: string; role: UserRole }) => serviceHeaders(TEST_SERVICE_KEY, user);

beforeAll(async () => {
  ctx = await setUpCouponTest('coupon_user_export');
});
afterAll(() => ctx?.close());

async function coupon(title: string): Promise<string> {
  const response = await request(ctx.app)
    .post('/coupons')
    .set(as(testAdmin()))
    .send({
      storeSlug: 'cp-store',
      scope: { kind: 'category', category: 'Dairy' },
      type: 'percent',
      percentOff: 20,
      validFrom: yesterday(),
      validTo: nextWeek(),
      requiresClip: true,
      title,
    })
    .expect(201);
  return response.body.id;
}

describe('GET /internal/users/{userId}/export', () => {
  it('answers the named user’s lists with their items and the coupons they clipped', async () => {
    const owner = testUser();
    const stranger = testUser();
    const weekly = await request(ctx.app)
      .post('/shopping/lists')
      .set(as(owner))
      .send({ name: 'Weekly', items: [{ text: 'eggs', quantity: 12 }] })
      .expect(201);
    await request(ctx.app).post('/shopping/lists').set(as(stranger)).send({ name: 'Not yours' }).expect(201);
    const clipped = await coupon('20% off dairy');
    const other = await coupon('Someone else’s');
    await request(ctx.app).post(`/coupons/${clipped}/clip`).set(as(owner)).expect(200);
    await request(ctx.app).post(`/coupons/${other}/clip`).set(as(stranger)).expect(200);

    const response = await request(ctx.app)
      .get(`/internal/users/${owner.id}/export`)
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .expect(200);
    expect(response.body.lists).toEqual([weekly.body]);
    expect(response.body.clippedCoupons).toEqual([
      expect.objectContaining({
        id: clipped,
        title: '20% off dairy',
        clipped: true,
        clippedAt: expect.any(String),
      }),
    ]);
  });

  it('is refused without the service key', async () => {
    await request(ctx.app).get(`/internal/users/${testUser().id}/export`).expect(401);
  });
});

/** The service documents every public route from the schemas it validates with. */
import { serviceHeaders, TEST_SERVICE_KEY } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CouponTestContext, setUpCouponTest } from './support.js';

let ctx: CouponTestContext;
beforeAll(async () => {
  ctx = await setUpCouponTest('coupon_openapi');
});
afterAll(() => ctx?.close());

it('serves an OpenAPI document with every coupon and shopping route', async () => {
  const response = await request(ctx.app)
    .get('/internal/openapi.json')
    .set(serviceHeaders(TEST_SERVICE_KEY))
    .expect(200);
  expect(Object.keys(response.body.paths).sort()).toEqual(
    [
      '/coupons',
      '/coupons/import',
      '/coupons/relevant',
      '/coupons/{id}',
      '/coupons/{id}/clip',
      '/internal/users/{userId}/export',
      '/shopping/lists',
      '/shopping/lists/{listId}',
      '/shopping/lists/{listId}/items',
      '/shopping/lists/{listId}/items/{itemId}',
      '/shopping/optimize',
    ].sort(),
  );
  expect(response.body.components.schemas).toHaveProperty('OptimizePlan');
  expect(response.body.components.schemas).toHaveProperty('CreateCoupon');
});

/**
 * The service documents its routes from the schemas it validates with; that every mounted route is
 * documented (and only those) is the platform check tests/platform/test/routes-documented.test.ts.
 */
import { serviceHeaders, TEST_SERVICE_KEY } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CouponTestContext, setUpCouponTest } from './support.js';

let ctx: CouponTestContext;
beforeAll(async () => {
  ctx = await setUpCouponTest('coupon_openapi');
});
afterAll(() => ctx?.close());

it('serves an OpenAPI document with the named schemas of its routes', async () => {
  const response = await request(ctx.app)
    .get('/internal/openapi.json')
    .set(serviceHeaders(TEST_SERVICE_KEY))
    .expect(200);
  expect(response.body.components.schemas).toHaveProperty('OptimizePlan');
  expect(response.body.components.schemas).toHaveProperty('CreateCoupon');
});

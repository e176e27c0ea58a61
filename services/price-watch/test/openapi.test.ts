import { serviceHeaders, TEST_SERVICE_KEY } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PriceWatchHarness, startPriceWatch } from './support.js';

let harness: PriceWatchHarness;
beforeAll(async () => {
  harness = await startPriceWatch('pw_openapi');
});
afterAll(() => harness.close());

describe('OpenAPI document', () => {
  it('documents every public route with its schemas', async () => {
    const response = await request(harness.app)
      .get('/internal/openapi.json')
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .expect(200);
    expect(Object.keys(response.body.paths).sort()).toEqual([
      '/alerts',
      '/alerts/settings',
      '/alerts/{id}/read',
      '/prices/comparison',
      '/prices/cpi',
      '/prices/increases',
      '/prices/moderation',
      '/prices/trends',
      '/products',
      '/products/categories',
      '/products/merge-candidates',
      '/products/merge-candidates/dismiss',
      '/products/{id}',
      '/products/{id}/history',
      '/products/{id}/merge',
      '/products/{id}/prices',
      '/products/{id}/split',
      '/public/inflation',
      '/public/store-comparison',
      '/public/trends/{productId}',
      '/watches',
      '/watches/{id}',
      '/watches/{id}/check',
      '/watches/{id}/runs',
    ]);
    expect(response.body.components.schemas).toHaveProperty('Inflation');
    expect(response.body.components.schemas).toHaveProperty('ProductDetail');
  });
});

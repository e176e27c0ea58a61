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
  it('serves the document with the schemas of its routes', async () => {
    const response = await request(harness.app)
      .get('/internal/openapi.json')
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .expect(200);
    // That every mounted route is documented (and nothing else) is the platform check
    // tests/platform/test/routes-documented.test.ts; here: the document carries the schemas.
    expect(response.body.paths['/products/{id}/prices'].get.summary).toMatch(/price series/);
    expect(response.body.components.schemas).toHaveProperty('Inflation');
    expect(response.body.components.schemas).toHaveProperty('ProductDetail');
  });
});

/** The OpenAPI document is built from the same zod schemas the routes validate with. */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createHarness, type Harness, testUser } from './harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await createHarness('ingest_openapi');
});
afterAll(() => harness.close());

describe('GET /internal/openapi.json', () => {
  it('documents every public route of receipt-ingest', async () => {
    const response = await request(harness.app).get('/internal/openapi.json').set(as(testUser())).expect(200);
    expect(Object.keys(response.body.paths).sort()).toEqual([
      '/internal/users/{userId}/export',
      '/me/inbound-address',
      '/me/inbound-address/rotate',
      '/me/stores',
      '/me/stores/{slug}',
      '/me/stores/{slug}/connect',
      '/purchases',
      '/purchases/export.csv',
      '/purchases/stats',
      '/purchases/{id}',
      '/receipts',
      '/receipts/batch',
      '/receipts/csv',
      '/receipts/inbound-email',
      '/receipts/photo',
      '/receipts/photo/{id}',
      '/receipts/photo/{id}/confirm',
      '/receipts/photo/{id}/draft',
      '/receipts/photo/{id}/image',
      '/receipts/text',
      '/scraping/jobs/{id}',
      '/scraping/status',
      '/scraping/{slug}/sync',
      '/stores',
      '/stores/{slug}',
      '/stores/{slug}/locations',
    ]);
    expect(response.body.components.schemas).toHaveProperty('ReceiptInput');
    expect(response.body.components.schemas).toHaveProperty('Purchase');
    expect(response.body.components.schemas).toHaveProperty('SyncJob');
    expect(response.body.components.schemas).toHaveProperty('SyncAccountStatus');
  });
});

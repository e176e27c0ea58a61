/**
 * The OpenAPI document is built from the same zod schemas the routes validate with. That it lists every
 * mounted route is the platform check's (tests/platform/test/routes-documented.test.ts).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createHarness, type Harness, testUser } from './harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await createHarness('ingest_openapi');
});
afterAll(() => harness.close());

describe('GET /internal/openapi.json', () => {
  it('names the shared schemas of receipt-ingest as components', async () => {
    const response = await request(harness.app).get('/internal/openapi.json').set(as(testUser())).expect(200);
    expect(response.body.components.schemas).toHaveProperty('ReceiptInput');
    expect(response.body.components.schemas).toHaveProperty('Purchase');
    expect(response.body.components.schemas).toHaveProperty('SyncJob');
    expect(response.body.components.schemas).toHaveProperty('SyncAccountStatus');
  });
});

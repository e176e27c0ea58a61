/** Retailers: any signed-in user reads one by slug; an unknown slug is a 404 in the error shape. */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createHarness, createRetailer, type Harness, testUser } from './harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await createHarness('stores');
  await createRetailer(harness.app, 'fresh-fields', 'Fresh Fields');
});

afterAll(async () => {
  await harness.close();
});

describe('GET /stores/{slug}', () => {
  it('answers the retailer', async () => {
    const response = await request(harness.app).get('/stores/fresh-fields').set(as(testUser())).expect(200);
    expect(response.body).toEqual({
      slug: 'fresh-fields',
      name: 'Fresh Fields',
      website: 'https://fresh-fields.example.test',
      ingestionMethods: ['json', 'csv', 'text', 'email'],
    });
  });

  it('answers 404 for a retailer that does not exist and 400 for a malformed slug', async () => {
    const missing = await request(harness.app).get('/stores/no-such-store').set(as(testUser())).expect(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    const malformed = await request(harness.app).get('/stores/Not_A_Slug').set(as(testUser())).expect(400);
    expect(malformed.body.error.code).toBe('VALIDATION_FAILED');
  });
});

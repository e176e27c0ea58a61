/** GET /internal/users/{userId}/export: the user's purchases with lines and store accounts, no secrets. */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  as,
  connectStore,
  createHarness,
  createRetailer,
  createSyncRetailer,
  type Harness,
  testUser,
} from './harness.js';

const PASSWORD = 'Tr0ub4dor&3-export-never';
let harness: Harness;

beforeAll(async () => {
  harness = await createHarness('ingest_user_export', {
    CREDENTIAL_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  });
  await createRetailer(harness.app, 'fresh-mart');
  await createSyncRetailer(harness.app, 'ref-mart');
});
afterAll(() => harness.close());

const receipt = (retailerReceiptId: string, purchasedAt: string) => ({
  storeSlug: 'fresh-mart',
  purchasedAt,
  currency: 'USD',
  retailerReceiptId,
  items: [
    { name: 'Milk', gtin: '0041220576463', quantity: 2, unitPriceCents: 349 },
    { name: 'Bananas', quantity: 1.25, unit: 'kg', unitPriceCents: 150 },
  ],
});

describe('GET /internal/users/{userId}/export', () => {
  it('answers the named user’s purchases with their lines and store accounts without credentials', async () => {
    const user = testUser();
    const other = testUser();
    await request(harness.app)
      .post('/receipts/batch')
      .set(as(user))
      .send({ receipts: [receipt('R1', '2026-11-01T10:00:00Z'), receipt('R2', '2026-11-02T10:00:00Z')] })
      .expect(200);
    await request(harness.app)
      .post('/receipts')
      .set(as(other))
      .send(receipt('OTHER', '2026-11-03T10:00:00Z'))
      .expect(201);
    await connectStore(harness.app, user, 'ref-mart', { username: 'me@example.test', password: PASSWORD });

    const response = await request(harness.app)
      .get(`/internal/users/${user.id}/export`)
      .set(as(testUser()))
      .expect(200);
    const list = await request(harness.app).get('/purchases').set(as(user)).expect(200);
    const details = [];
    for (const { id } of list.body.items) {
      details.push((await request(harness.app).get(`/purchases/${id}`).set(as(user)).expect(200)).body);
    }
    expect(response.body.purchases).toEqual(details);
    expect(response.body.purchases.map((p: { retailerReceiptId: string }) => p.retailerReceiptId)).toEqual([
      'R2',
      'R1',
    ]);
    expect(response.body.purchases[0].items).toHaveLength(2);
    const accounts = await request(harness.app).get('/me/stores').set(as(user)).expect(200);
    expect(response.body.storeAccounts).toEqual(accounts.body.items);
    expect(response.body.storeAccounts.map((a: { storeSlug: string }) => a.storeSlug)).toEqual(['ref-mart']);
    expect(response.text).not.toContain(PASSWORD);
    expect(response.text).not.toMatch(/ciphertext|credential/i);
  });

  it('is an internal route: refused without the service key, 400 for a malformed user id', async () => {
    await request(harness.app).get(`/internal/users/${testUser().id}/export`).expect(401);
    const bad = await request(harness.app)
      .get('/internal/users/not-a-uuid/export')
      .set(as(testUser()))
      .expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  });
});

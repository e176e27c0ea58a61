/**
 * Issue #21, moderation of product merges (docs/price-watch.md, "Merge candidates"): suspected
 * duplicates — the same GTIN family, or very similar names with the same brand and pack size — are
 * queued for admins, who merge them or dismiss them.
 */
import { serviceHeaders, TEST_SERVICE_KEY, testAdmin, testStaff, testUser } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purchaseRecordedHandler } from '../src/events/purchase-recorded.handler.js';
import { deliver, type PriceWatchHarness, purchase, shared, startPriceWatch } from './support.js';

let harness: PriceWatchHarness;
const handler = purchaseRecordedHandler({ threshold: 0.55 }, shared);
const admin = testAdmin();
const size = { value: 500, unit: 'g' as const };

beforeAll(async () => {
  harness = await startPriceWatch('pw_mergeq');
});
afterAll(() => harness.close());

async function productOf(name: string, gtin: string, brand: string): Promise<string> {
  const data = purchase(testUser().id, [{ name, gtin, brand, size, category: 'cereal' }]);
  await deliver(harness.database, handler, data);
  const { body } = await request(harness.app)
    .get(`/internal/products/resolve?gtin=${gtin}`)
    .set(serviceHeaders(TEST_SERVICE_KEY))
    .expect(200);
  return body.id;
}

type Candidate = {
  reason: string;
  similarity: number | null;
  products: Array<{ id: string; name: string }>;
};

async function queue(): Promise<Candidate[]> {
  const { body } = await request(harness.app)
    .get('/products/merge-candidates?limit=50')
    .set(serviceHeaders(TEST_SERVICE_KEY, admin))
    .expect(200);
  return body.items;
}

const pair = (candidate: Candidate) => candidate.products.map((product) => product.id).sort();

describe('merge candidates', () => {
  it('lists the same GTIN family and look-alike names of one brand and size, for admins only', async () => {
    // The base unit and a case of it: GTIN-14s differing only in the packaging indicator.
    const unit = await productOf('Oat Bites', '00012345678905', 'Mill');
    const caseOf = await productOf('Oat Bites 12 pack', '10012345678902', 'Mill');
    // Two names for one cereal under two GTINs, same brand and size.
    const crunchy = await productOf('Crunchy Oat Cereal', '0000000021159', 'Mill');
    const crunchier = await productOf('Crunchy Oat Cereal Original', '0000000021166', 'Mill');
    // Same name, another brand: not a duplicate.
    await productOf('Crunchy Oat Cereal', '0000000021173', 'Other');

    const items = await queue();
    expect(items.map(pair)).toEqual(
      expect.arrayContaining([[unit, caseOf].sort(), [crunchy, crunchier].sort()]),
    );
    expect(items).toHaveLength(2);
    expect(items.find((item) => pair(item).includes(unit))).toMatchObject({
      reason: 'gtin-family',
      similarity: null,
    });
    expect(items.find((item) => pair(item).includes(crunchy))).toMatchObject({
      reason: 'similar-name',
      similarity: expect.any(Number),
    });

    for (const who of [testUser(), testStaff('fresh-fields')]) {
      const refused = await request(harness.app)
        .get('/products/merge-candidates')
        .set(serviceHeaders(TEST_SERVICE_KEY, who))
        .expect(403);
      expect(refused.body.error.code).toBe('FORBIDDEN');
      await request(harness.app)
        .post('/products/merge-candidates/dismiss')
        .set(serviceHeaders(TEST_SERVICE_KEY, who))
        .send({ productIds: [unit, caseOf] })
        .expect(403);
    }

    // Dismissed: gone for good. Merged: the merged product is no longer live, so the pair is gone.
    await request(harness.app)
      .post('/products/merge-candidates/dismiss')
      .set(serviceHeaders(TEST_SERVICE_KEY, admin))
      .send({ productIds: [caseOf, unit] })
      .expect(204);
    await request(harness.app)
      .post(`/products/${crunchier}/merge`)
      .set(serviceHeaders(TEST_SERVICE_KEY, admin))
      .send({ targetProductId: crunchy })
      .expect(200);
    expect(await queue()).toEqual([]);

    const same = await request(harness.app)
      .post('/products/merge-candidates/dismiss')
      .set(serviceHeaders(TEST_SERVICE_KEY, admin))
      .send({ productIds: [unit, unit] })
      .expect(400);
    expect(same.body.error.code).toBe('VALIDATION_FAILED');
  });
});

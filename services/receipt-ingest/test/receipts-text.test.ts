/** POST /receipts/text: a pasted receipt becomes a purchase with its unparsed lines and confidence. */
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createHarness, createRetailer, type Harness, testUser } from './harness.js';

let harness: Harness;
const kroger = readFileSync(new URL('./fixtures/text-receipts/01-us-kroger.txt', import.meta.url), 'utf8');
const farmStand = readFileSync(
  new URL('./fixtures/text-receipts/10-farmers-market.txt', import.meta.url),
  'utf8',
);

beforeAll(async () => {
  harness = await createHarness('ingest_text');
  await createRetailer(harness.app, 'kroger');
});
afterAll(() => harness.close());

describe('POST /receipts/text', () => {
  it('records the parsed items with the date printed on the receipt', async () => {
    const user = testUser();
    const response = await request(harness.app)
      .post('/receipts/text')
      .set(as(user))
      .send({ storeSlug: 'kroger', text: kroger })
      .expect(201);
    const { purchase } = response.body;
    expect(purchase.source).toBe('text');
    expect(purchase.purchasedAt).toBe('2026-11-21T14:03:00.000Z');
    expect(purchase.totalCents).toBe(2262);
    expect(purchase.savingsCents).toBe(150);
    expect(purchase.parseConfidence).toBe(1);
    expect(purchase.items).toHaveLength(5);
    expect(purchase.items[1]).toMatchObject({ name: 'BANANAS', quantity: 2.31, unit: 'lb', paidCents: 136 });
  });

  it('keeps unparsed lines for review and is idempotent on the same text', async () => {
    const user = testUser();
    const body = { storeSlug: 'kroger', currency: 'USD', text: farmStand };
    const first = await request(harness.app).post('/receipts/text').set(as(user)).send(body).expect(201);
    expect(first.body.purchase.unparsedLines).toEqual([{ lineNo: 8, text: 'Mystery item ??? .........' }]);
    expect(first.body.purchase.parseConfidence).toBeLessThan(1);
    const again = await request(harness.app).post('/receipts/text').set(as(user)).send(body).expect(200);
    expect(again.body.purchase.id).toBe(first.body.purchase.id);
  });

  it('answers 422 when no item can be read, and writes nothing', async () => {
    const user = testUser();
    const response = await request(harness.app)
      .post('/receipts/text')
      .set(as(user))
      .send({ storeSlug: 'kroger', text: 'hello\nthis is not a receipt' })
      .expect(422);
    expect(response.body.error.code).toBe('UNPROCESSABLE');
    const list = await request(harness.app).get('/purchases').set(as(user)).expect(200);
    expect(list.body.items).toEqual([]);
  });
});

/**
 * Issue #21, complete products (docs/price-watch.md, "Product attributes"): brand, category and pack
 * size from the best evidence — a store catalog, then a consensus of receipts, then a single receipt —
 * kept current; an admin's edit wins until the admin clears it, with a history.
 */
import { serviceHeaders, TEST_SERVICE_KEY, testAdmin, testStaff, testUser } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gtinCheckDigit } from '../src/catalog/gtin.js';
import { purchaseRecordedHandler } from '../src/events/purchase-recorded.handler.js';
import { userDeletedHandler } from '../src/events/user-deleted.handler.js';
import { deliver, type PriceWatchHarness, purchase, shared, startPriceWatch } from './support.js';

let harness: PriceWatchHarness;
const handler = purchaseRecordedHandler({ threshold: 0.55 }, shared);
const admin = testAdmin();

beforeAll(async () => {
  harness = await startPriceWatch('pw_attrs');
});
afterAll(() => harness.close());

/** A GTIN-13 of its own for each test, so no test reads another's product. */
let gtinSerial = 21_000;
function freshGtin(): string {
  gtinSerial += 1;
  const body = String(gtinSerial).padStart(12, '0');
  return `${body}${gtinCheckDigit(body)}`;
}

type Attributes = { brand?: string; category?: string; size?: { value: number; unit: 'g' | 'ml' | 'ct' } };

async function buy(gtin: string, userId: string, attributes: Attributes) {
  await deliver(
    harness.database,
    handler,
    purchase(userId, [{ name: 'Attribute Yogurt', gtin, paidCents: 250, ...attributes }]),
  );
}

async function resolve(gtin: string): Promise<string> {
  const resolved = await request(harness.app)
    .post('/internal/products/resolve')
    .set(serviceHeaders(TEST_SERVICE_KEY))
    .send({ gtin, name: 'Attribute Yogurt', brand: 'Store Brand' })
    .expect(201);
  return resolved.body.productId;
}

const big = { value: 500, unit: 'g' as const };
const small = { value: 400, unit: 'g' as const };
/** What five shoppers' receipts say of the yogurt, in order (the first test walks through it). */
const evidence: Attributes[] = [
  { brand: 'Receipt Brand', category: 'Yogurt', size: big },
  { brand: 'Receipt Brand', category: 'dairy', size: big },
  { category: 'dairy', size: small },
  { size: small },
  { size: small },
];

/** A product from the store catalog (brand 'Store Brand') with the five receipts' evidence. */
async function productWithEvidence(): Promise<{ id: string; gtin: string }> {
  const gtin = freshGtin();
  const id = await resolve(gtin);
  for (const attributes of evidence) await buy(gtin, testUser().id, attributes);
  return { id, gtin };
}

async function product(id: string) {
  const { body } = await request(harness.app)
    .get(`/products/${id}`)
    .set(serviceHeaders(TEST_SERVICE_KEY, testUser()))
    .expect(200);
  return body as {
    brand: string | null;
    category: string | null;
    size: { value: number; unit: string } | null;
  };
}

describe('product attributes from evidence', () => {
  it('take a store catalog’s brand over receipts, and the receipts’ consensus over a single receipt', async () => {
    const gtin = freshGtin();
    const id = await resolve(gtin);
    const [first, second, third, fourth, fifth] = evidence as [
      Attributes,
      Attributes,
      Attributes,
      Attributes,
      Attributes,
    ];
    // One receipt: it is the best evidence there is.
    await buy(gtin, testUser().id, first);
    expect(await product(id)).toMatchObject({ brand: 'Store Brand', category: 'yogurt', size: big });
    await buy(gtin, testUser().id, second);
    await buy(gtin, testUser().id, third);
    // Two shoppers against one, no consensus yet: the most stated values.
    expect(await product(id)).toMatchObject({ brand: 'Store Brand', category: 'dairy', size: big });
    await buy(gtin, testUser().id, fourth);
    await buy(gtin, testUser().id, fifth);
    // Three shoppers (k) now see the smaller pack: kept current.
    expect(await product(id)).toMatchObject({ brand: 'Store Brand', category: 'dairy', size: small });
  });

  it('lets an admin edit them (a shopper and a retailer’s staff get 403); the edit wins until cleared', async () => {
    const { id, gtin } = await productWithEvidence();
    for (const who of [testUser(), testStaff('fresh-fields')]) {
      const refused = await request(harness.app)
        .patch(`/products/${id}`)
        .set(serviceHeaders(TEST_SERVICE_KEY, who))
        .send({ category: 'cereal' })
        .expect(403);
      expect(refused.body.error.code).toBe('FORBIDDEN');
      await request(harness.app)
        .get(`/products/${id}/history`)
        .set(serviceHeaders(TEST_SERVICE_KEY, who))
        .expect(403);
    }
    const invalid = await request(harness.app)
      .patch(`/products/${id}`)
      .set(serviceHeaders(TEST_SERVICE_KEY, admin))
      .send({ category: 'not-a-category' })
      .expect(400);
    expect(invalid.body.error.code).toBe('VALIDATION_FAILED');

    const edited = await request(harness.app)
      .patch(`/products/${id}`)
      .set(serviceHeaders(TEST_SERVICE_KEY, admin))
      .send({ category: 'cereal', brand: 'Admin Brand' })
      .expect(200);
    expect(edited.body).toMatchObject({ category: 'cereal', brand: 'Admin Brand' });
    // Evidence keeps arriving; the admin's values stand.
    for (let index = 0; index < 3; index++)
      await buy(gtin, testUser().id, { category: 'dairy', brand: 'Receipt Brand' });
    expect(await product(id)).toMatchObject({ category: 'cereal', brand: 'Admin Brand' });

    const cleared = await request(harness.app)
      .patch(`/products/${id}`)
      .set(serviceHeaders(TEST_SERVICE_KEY, admin))
      .send({ clear: ['category', 'brand'] })
      .expect(200);
    // Back to the evidence: the store catalog's brand, the receipts' category.
    expect(cleared.body).toMatchObject({ category: 'dairy', brand: 'Store Brand' });

    const history = await request(harness.app)
      .get(`/products/${id}/history`)
      .set(serviceHeaders(TEST_SERVICE_KEY, admin))
      .expect(200);
    const items = history.body.items as Array<{
      attribute: string;
      oldValue: string | null;
      newValue: string | null;
      cause: string;
      actorId: string | null;
    }>;
    expect(
      items.slice(0, 4).map((item) => [item.attribute, item.oldValue, item.newValue, item.cause]),
    ).toEqual([
      ['brand', 'Admin Brand', 'Store Brand', 'admin-clear'],
      ['category', 'cereal', 'dairy', 'admin-clear'],
      ['brand', 'Store Brand', 'Admin Brand', 'admin'],
      ['category', 'dairy', 'cereal', 'admin'],
    ]);
    expect(items[0]?.actorId).toBe(admin.id);
    // The evidence's own changes are there too, with no actor.
    expect(items).toContainEqual(
      expect.objectContaining({
        attribute: 'size',
        oldValue: '500 g',
        newValue: '400 g',
        cause: 'evidence',
        actorId: null,
      }),
    );
  });

  it('keeps a deleted account’s statements as a pseudonym’s: the attributes stand, the account id is gone', async () => {
    const { id, gtin } = await productWithEvidence();
    const leaver = testUser();
    await buy(gtin, leaver.id, { category: 'dairy', size: { value: 400, unit: 'g' } });
    const before = await product(id);
    await deliver(harness.database, userDeletedHandler, { userId: leaver.id });
    const votes = await harness.database.db
      .selectFrom('product_attribute_vote')
      .select(['voter'])
      .where('product_id', '=', id)
      .execute();
    expect(votes.map((vote) => vote.voter)).not.toContain(leaver.id);
    expect(votes.length).toBeGreaterThan(5);
    expect(await product(id)).toEqual(before);
  });
});

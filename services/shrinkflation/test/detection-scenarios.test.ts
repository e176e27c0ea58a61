/**
 * The scenarios, driven through the `price.observed.v1` handler the consumer runs (one transaction
 * per observation), against a real Postgres schema.
 */
import { newId } from '@cartwatch/db';
import type { TestDatabase } from '@cartwatch/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import {
  createShrinkDatabase,
  day,
  detectedEvents,
  detections,
  envelopeOf,
  observation,
  observe,
  product,
  size,
} from './support.js';

let database: TestDatabase<DB>;

beforeAll(async () => {
  database = await createShrinkDatabase('shrink_scenarios');
});
afterAll(() => database.drop());

/** Each scenario uses its own store so the scenarios do not see each other's products. */
let storeCounter = 0;
function newStore(): string {
  storeCounter += 1;
  return `store-${storeCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

async function detectionsIn(store: string) {
  return (await detections(database)).filter((row) => row.store_slug === store);
}

async function eventsFor(ids: string[]) {
  return (await detectedEvents(database)).filter((event) => ids.includes(event.shrinkflationId));
}

describe('same GTIN, smaller pack', () => {
  it('detects 16 oz -> 14.5 oz at $3.99 as a +10.3% unit-price rise and alerts', async () => {
    const store = newStore();
    const cereal = product();
    const before = [0, 7, 14].map((d) =>
      observation(cereal, { size: size(16, 'oz'), priceCents: 399, at: day(d), store }),
    );
    await observe(database, ...before);
    await observe(
      database,
      observation(cereal, { size: size(14.5, 'oz'), priceCents: 399, at: day(21), store }),
    );
    expect(await detectionsIn(store)).toHaveLength(0); // one observation of the new size is not enough

    const secondAfter = observation(cereal, { size: size(14.5, 'oz'), priceCents: 399, at: day(28), store });
    await observe(database, secondAfter);
    const [detection] = await detectionsIn(store);
    expect(detection).toMatchObject({
      kind: 'same-product',
      status: 'detected',
      product_id: cereal.productId,
      successor_product_id: null,
      size_unit: 'g',
      old_price_cents: 399,
      new_price_cents: 399,
      unit_price_change_pct: 10.34,
      quality_adjusted_price_cents: 440,
      quality_adjusted_price_change_pct: 10.34,
      size_change_pct: -9.38,
    });
    expect(Number(detection?.old_size_value)).toBeCloseTo(453.59237, 5);
    expect(Number(detection?.new_size_value)).toBeCloseTo(411.068085, 5);
    expect(detection?.confidence).toBeGreaterThanOrEqual(0.8);
    expect(new Date(detection?.changed_at ?? 0).toISOString()).toBe(day(21));
    expect(detection?.factors.map((f) => f.name)).toEqual([
      'observations-before',
      'observations-after',
      'price-direction',
      'pairing',
      'sale-prices-excluded',
    ]);
    expect(detection?.factors.find((f) => f.name === 'price-direction')?.detail).toBe(
      'the shelf price held while the pack shrank',
    );

    const events = await eventsFor([detection?.id ?? '']);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      productId: cereal.productId,
      storeSlug: store,
      unitPriceChangePct: 10.34,
      kind: 'same-product',
      oldPriceCents: 399,
      newPriceCents: 399,
    });
  });

  it('refreshes the evidence of a detection as observations keep coming, without a second alert', async () => {
    const store = newStore();
    const cereal = product();
    await observe(
      database,
      ...[0, 7, 14].map((d) =>
        observation(cereal, { size: size(16, 'oz'), priceCents: 399, at: day(d), store }),
      ),
      ...[21, 28, 35].map((d) =>
        observation(cereal, { size: size(14.5, 'oz'), priceCents: 399, at: day(d), store }),
      ),
    );
    const [detection] = await detectionsIn(store);
    expect(detection?.confidence).toBe(1);
    expect(detection?.evidence.after).toHaveLength(3);
    expect(await eventsFor([detection?.id ?? ''])).toHaveLength(1);
  });

  it('keeps the change time at the first observation of the new size and the latest 20 as evidence', async () => {
    const store = newStore();
    const cereal = product();
    const afterDays = Array.from({ length: 24 }, (_, i) => 21 + i);
    await observe(
      database,
      ...[0, 7, 14].map((d) =>
        observation(cereal, { size: size(16, 'oz'), priceCents: 399, at: day(d), store }),
      ),
      ...afterDays.map((d) =>
        observation(cereal, { size: size(14.5, 'oz'), priceCents: 399, at: day(d), store }),
      ),
    );
    const [detection] = await detectionsIn(store);
    expect(new Date(detection?.changed_at ?? 0).toISOString()).toBe(day(21));
    expect(detection?.evidence.after).toHaveLength(20);
    expect(detection?.factors.find((f) => f.name === 'observations-after')?.detail).toMatch(
      /^24 regular-price/,
    );
  });

  it('does not treat a size increase as anything', async () => {
    const store = newStore();
    const cereal = product();
    await observe(
      database,
      ...[0, 7, 14].map((d) =>
        observation(cereal, { size: size(14.5, 'oz'), priceCents: 399, at: day(d), store }),
      ),
      ...[21, 28, 35].map((d) =>
        observation(cereal, { size: size(16, 'oz'), priceCents: 399, at: day(d), store }),
      ),
    );
    expect(await detectionsIn(store)).toHaveLength(0);
  });

  it('detects a shrink with a price cut at lower confidence, and none when the cut matches the size', async () => {
    const store = newStore();
    const cutButNotEnough = product();
    const fairCut = product();
    await observe(
      database,
      ...[0, 7, 14].map((d) =>
        observation(cutButNotEnough, { size: size(16, 'oz'), priceCents: 399, at: day(d), store }),
      ),
      ...[21, 28].map((d) =>
        observation(cutButNotEnough, { size: size(14.5, 'oz'), priceCents: 379, at: day(d), store }),
      ),
      ...[0, 7, 14].map((d) =>
        observation(fairCut, { size: size(16, 'oz'), priceCents: 399, at: day(d), store }),
      ),
      ...[21, 28].map((d) =>
        observation(fairCut, { size: size(14.5, 'oz'), priceCents: 359, at: day(d), store }),
      ),
    );
    const rows = await detectionsIn(store);
    expect(rows).toHaveLength(1);
    const [detection] = rows;
    expect(detection?.product_id).toBe(cutButNotEnough.productId);
    expect(detection?.unit_price_change_pct).toBe(4.81); // 3.79 x 16 / 14.5 = 4.18 vs 3.99
    expect(detection?.factors.find((f) => f.name === 'price-direction')).toMatchObject({ score: 0.3 });
    // The same evidence with the price held scores 0.9167; the cut costs confidence and the alert.
    expect(detection?.confidence).toBeCloseTo(0.7417, 4);
    expect(await eventsFor([detection?.id ?? ''])).toHaveLength(0);
  });
});

describe('sale prices and one-offs', () => {
  it('does not mistake a sale price dip, or a smaller pack seen only on sale, for anything', async () => {
    const store = newStore();
    const cereal = product();
    await observe(
      database,
      ...[0, 7, 14].map((d) =>
        observation(cereal, { size: size(16, 'oz'), priceCents: 399, at: day(d), store }),
      ),
      ...[17, 19].map((d) =>
        observation(cereal, {
          size: size(16, 'oz'),
          priceCents: 299,
          regularPriceCents: 399,
          isSale: true,
          at: day(d),
          store,
        }),
      ),
      observation(cereal, { size: size(16, 'oz'), priceCents: 399, at: day(21), store }),
      ...[24, 26, 28].map((d) =>
        observation(cereal, {
          size: size(14.5, 'oz'),
          priceCents: 349,
          regularPriceCents: 399,
          isSale: true,
          at: day(d),
          store,
        }),
      ),
    );
    expect(await detectionsIn(store)).toHaveLength(0);
    const stored = await database.db
      .selectFrom('pack_observation')
      .select(['is_sale'])
      .where('store_slug', '=', store)
      .execute();
    expect(stored).toHaveLength(9); // the history keeps sale observations; detection ignores them
  });

  it('reports sale observations it left out as a factor when a change is detected', async () => {
    const store = newStore();
    const cereal = product();
    await observe(
      database,
      ...[0, 7].map((d) => observation(cereal, { size: size(16, 'oz'), priceCents: 399, at: day(d), store })),
      observation(cereal, { size: size(16, 'oz'), priceCents: 250, isSale: true, at: day(10), store }),
      ...[21, 28].map((d) =>
        observation(cereal, { size: size(14.5, 'oz'), priceCents: 399, at: day(d), store }),
      ),
    );
    const [detection] = await detectionsIn(store);
    expect(detection?.old_price_cents).toBe(399);
    expect(detection?.factors.find((f) => f.name === 'sale-prices-excluded')?.detail).toMatch(
      /^1 sale-price observation left out/,
    );
  });

  it('never triggers on a single smaller observation between regular ones', async () => {
    const store = newStore();
    const cereal = product();
    await observe(
      database,
      ...[0, 7, 14].map((d) =>
        observation(cereal, { size: size(16, 'oz'), priceCents: 399, at: day(d), store }),
      ),
      observation(cereal, { size: size(14.5, 'oz'), priceCents: 399, at: day(21), store }),
      ...[28, 35].map((d) =>
        observation(cereal, { size: size(16, 'oz'), priceCents: 399, at: day(d), store }),
      ),
    );
    expect(await detectionsIn(store)).toHaveLength(0);
  });
});

describe('units', () => {
  it('compares ounces and grams in canonical grams (16 oz -> 425 g)', async () => {
    const store = newStore();
    const coffee = product({ name: 'Dark Roast Ground Coffee', brand: 'Hilltop', category: 'coffee' });
    await observe(
      database,
      ...[0, 7, 14].map((d) =>
        observation(coffee, { size: size(16, 'oz'), priceCents: 899, at: day(d), store }),
      ),
      ...[21, 28].map((d) =>
        observation(coffee, { size: size(425, 'g'), priceCents: 899, at: day(d), store }),
      ),
    );
    const [detection] = await detectionsIn(store);
    expect(detection?.size_change_pct).toBe(-6.3);
    expect(detection?.unit_price_change_pct).toBe(6.73); // 453.59 g / 425 g
  });

  it('sees 1 lb and 16 oz as the same size', async () => {
    const store = newStore();
    const coffee = product({ name: 'Dark Roast Ground Coffee', brand: 'Hilltop', category: 'coffee' });
    await observe(
      database,
      ...[0, 7].map((d) => observation(coffee, { size: size(16, 'oz'), priceCents: 899, at: day(d), store })),
      ...[14, 21, 28].map((d) =>
        observation(coffee, { size: size(1, 'lb'), priceCents: 899, at: day(d), store }),
      ),
    );
    expect(await detectionsIn(store)).toHaveLength(0);
  });

  it('never compares grams with millilitres', async () => {
    const store = newStore();
    const juice = product({ name: 'Orange Juice', brand: 'Sunny', category: 'drinks' });
    await observe(
      database,
      ...[0, 7].map((d) => observation(juice, { size: size(1, 'kg'), priceCents: 399, at: day(d), store })),
      ...[14, 21].map((d) =>
        observation(juice, { size: size(900, 'ml'), priceCents: 399, at: day(d), store }),
      ),
    );
    expect(await detectionsIn(store)).toHaveLength(0);
  });
});

describe('duplicates', () => {
  it('records a repeated observation once and alerts once', async () => {
    const store = newStore();
    const cereal = product();
    const sequence = [
      ...[0, 7, 14].map((d) =>
        observation(cereal, { size: size(16, 'oz'), priceCents: 399, at: day(d), store }),
      ),
      ...[21, 28].map((d) =>
        observation(cereal, { size: size(14.5, 'oz'), priceCents: 399, at: day(d), store }),
      ),
    ];
    await observe(database, ...sequence);
    // The same observations again: redelivered events and re-published ones (new event ids).
    await observe(database, ...sequence, ...sequence.map((data) => envelopeOf(data)));
    const stored = await database.db
      .selectFrom('pack_observation')
      .select('observation_id')
      .where('store_slug', '=', store)
      .execute();
    expect(stored).toHaveLength(5);
    const rows = await detectionsIn(store);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.evidence.before).toHaveLength(3);
    expect(await eventsFor(rows.map((r) => r.id))).toHaveLength(1);
  });
});

describe('successor products', () => {
  const oldGtin = '0012345600011';
  const newGtin = '0012345600028';

  it('pairs a new, smaller GTIN of the same brand and name that replaced the old one in a store', async () => {
    const store = newStore();
    const oldPack = product({ gtin: oldGtin, name: 'Crunchy Oat Cereal 16 oz' });
    const newPack = product({ gtin: newGtin, name: 'NEW Crunchy Oat Cereal, 14.5oz' });
    await observe(
      database,
      ...[0, 7, 14, 21].map((d) =>
        observation(oldPack, { size: size(16, 'oz'), priceCents: 399, at: day(d), store }),
      ),
      ...[24, 31].map((d) =>
        observation(newPack, { size: size(14.5, 'oz'), priceCents: 419, at: day(d), store }),
      ),
    );
    const rows = await detectionsIn(store);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kind: 'successor',
      product_id: oldPack.productId,
      successor_product_id: newPack.productId,
      gtin: oldGtin,
      successor_gtin: newGtin,
      old_price_cents: 399,
      new_price_cents: 419,
      unit_price_change_pct: 15.88, // 4.19 x 16 / 14.5 = 4.62 vs 3.99
    });
    const pairing = rows[0]?.factors.find((f) => f.name === 'pairing');
    expect(pairing?.score).toBe(1);
    expect(pairing?.detail).toContain('same GTIN company prefix');
    expect(rows[0]?.factors.find((f) => f.name === 'price-direction')?.detail).toMatch(/rose 5%/);
    const events = await eventsFor([rows[0]?.id ?? '']);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      productId: oldPack.productId,
      successorProductId: newPack.productId,
      kind: 'successor',
    });
  });

  it('does not pair when the old pack is still on the shelf, or with another brand', async () => {
    const store = newStore();
    const oldPack = product({ gtin: oldGtin });
    const otherBrand = product({ gtin: '0099999900011', brand: 'Store Brand' });
    const newPack = product({ gtin: newGtin });
    await observe(
      database,
      ...[0, 7, 14].map((d) =>
        observation(oldPack, { size: size(16, 'oz'), priceCents: 399, at: day(d), store }),
      ),
      ...[0, 7, 14].map((d) =>
        observation(otherBrand, { size: size(18, 'oz'), priceCents: 399, at: day(d), store }),
      ),
      // Both sizes sold side by side for weeks: a line extension, not a replacement.
      ...[40, 60].map((d) =>
        observation(oldPack, { size: size(16, 'oz'), priceCents: 399, at: day(d), store }),
      ),
      ...[15, 22, 61].map((d) =>
        observation(newPack, { size: size(14.5, 'oz'), priceCents: 399, at: day(d), store }),
      ),
    );
    expect(await detectionsIn(store)).toHaveLength(0);
  });

  it('withdraws an unpublished pairing when the old pack is seen again after the overlap window', async () => {
    const store = newStore();
    const oldPack = product({ gtin: oldGtin });
    const newPack = product({ gtin: newGtin });
    await observe(
      database,
      ...[0, 7, 14].map((d) =>
        observation(oldPack, { size: size(16, 'oz'), priceCents: 399, at: day(d), store }),
      ),
      ...[15, 22].map((d) =>
        observation(newPack, { size: size(14.5, 'oz'), priceCents: 379, at: day(d), store }),
      ),
    );
    expect(await detectionsIn(store)).toHaveLength(1); // 0.74: below the alert threshold, unpublished
    await observe(
      database,
      observation(oldPack, { size: size(16, 'oz'), priceCents: 399, at: day(25), store }),
    );
    expect(await detectionsIn(store)).toHaveLength(1); // within the 14-day overlap: still a replacement
    await observe(
      database,
      observation(oldPack, { size: size(16, 'oz'), priceCents: 399, at: day(40), store }),
    );
    expect(await detectionsIn(store)).toHaveLength(0);
    await observe(
      database,
      observation(newPack, { size: size(14.5, 'oz'), priceCents: 379, at: day(41), store }),
    );
    expect(await detectionsIn(store)).toHaveLength(0);
  });

  it('does not pair across stores', async () => {
    const storeA = newStore();
    const storeB = newStore();
    const oldPack = product({ gtin: oldGtin });
    const newPack = product({ gtin: newGtin });
    await observe(
      database,
      ...[0, 7, 14].map((d) =>
        observation(oldPack, { size: size(16, 'oz'), priceCents: 399, at: day(d), store: storeA }),
      ),
      ...[21, 28].map((d) =>
        observation(newPack, { size: size(14.5, 'oz'), priceCents: 399, at: day(d), store: storeB }),
      ),
    );
    expect(await detectionsIn(storeA)).toHaveLength(0);
    expect(await detectionsIn(storeB)).toHaveLength(0);
  });

  it('weakens the pairing for a long gap and a foreign GTIN prefix', async () => {
    const store = newStore();
    const oldPack = product({ gtin: oldGtin });
    const newPack = product({ gtin: '0087654300028' });
    await observe(
      database,
      ...[0, 7, 14].map((d) =>
        observation(oldPack, { size: size(16, 'oz'), priceCents: 399, at: day(d), store }),
      ),
      ...[66, 73].map((d) =>
        observation(newPack, { size: size(14.5, 'oz'), priceCents: 399, at: day(d), store }),
      ),
    );
    const [detection] = await detectionsIn(store);
    const pairing = detection?.factors.find((f) => f.name === 'pairing');
    // 0.55 name + 0.1 category + 0.2 x (1 - (52 - 14) / 76) timing = 0.75
    expect(pairing?.score).toBeCloseTo(0.75, 2);
    expect(pairing?.detail).toContain('different GTIN company prefix');
    // The same evidence with a strong pairing scores 0.9167.
    expect(detection?.confidence).toBeCloseTo(0.8417, 4);
  });
});

describe('independent evidence (docs/shrinkflation.md)', () => {
  /** Three receipts at 16 oz, then three at 14.5 oz, all at $3.99, from the given shoppers in turn. */
  async function sixReceipts(store: string, item: ReturnType<typeof product>, buyers: string[]) {
    for (const [index, ounces] of [16, 16, 16, 14.5, 14.5, 14.5].entries()) {
      const data = observation(item, {
        size: size(ounces, 'oz'),
        priceCents: 399,
        at: day(index * 7),
        store,
        source: 'receipt',
      });
      await observe(database, envelopeOf(data, buyers[index % buyers.length]));
    }
  }

  it('alerts only the sole contributor of a claim and keeps it from being independent', async () => {
    const store = newStore();
    const cereal = product();
    const shopper = newId();
    await sixReceipts(store, cereal, [shopper]);
    const [detection] = await detectionsIn(store);
    expect(detection).toMatchObject({ contributors: 1, store_sourced: false, independent_evidence: false });
    expect(detection?.confidence).toBeGreaterThanOrEqual(0.8);
    expect(detection?.published_at).toBeNull();
    const events = await eventsFor([detection?.id ?? '']);
    expect(events.map((event) => event.audienceUserIds)).toEqual([[shopper]]);
  });

  it('is independent with three distinct contributors and then alerts every buyer', async () => {
    const store = newStore();
    const cereal = product();
    const buyers = [newId(), newId(), newId()];
    await sixReceipts(store, cereal, buyers);
    const [detection] = await detectionsIn(store);
    expect(detection).toMatchObject({ contributors: 3, independent_evidence: true });
    expect(detection?.published_at).not.toBeNull();
    const events = await eventsFor([detection?.id ?? '']);
    expect(events).toHaveLength(1);
    expect(events[0]?.audienceUserIds).toBeUndefined();
  });
});

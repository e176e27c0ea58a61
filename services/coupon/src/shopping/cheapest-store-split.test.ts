import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bruteForceSplit } from '../../test/brute-force-split.js';
import { type CouponTerms, lineDiscountCents } from '../coupons/coupon-math.js';
import {
  evaluateChoices,
  findCheapestStoreSplit,
  type LineOption,
  type SplitProblem,
  SplitTooLargeError,
} from './cheapest-store-split.js';

const lineCoupon: fc.Arbitrary<CouponTerms> = fc.oneof(
  fc.record({
    type: fc.constant('percent' as const),
    percentOff: fc.integer({ min: 1, max: 60 }),
    minQuantity: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    type: fc.constant('fixed' as const),
    amountOffCents: fc.integer({ min: 10, max: 300 }),
    minQuantity: fc.integer({ min: 1, max: 2 }),
    minPurchaseCents: fc.option(fc.integer({ min: 100, max: 900 }), { nil: undefined }),
  }),
  fc.record({ type: fc.constant('bogo' as const), minQuantity: fc.constant(1) }),
  fc.record({
    type: fc.constant('buy_x_get_y' as const),
    buyQuantity: fc.integer({ min: 1, max: 3 }),
    getQuantity: fc.integer({ min: 1, max: 2 }),
    getPercentOff: fc.constantFrom(50, 100),
    minQuantity: fc.constant(1),
  }),
);

/** A random shop: prices (some missing), quantities, line coupons and spend thresholds per store. */
const instance = fc
  .record({
    storeCount: fc.integer({ min: 1, max: 4 }),
    itemCount: fc.integer({ min: 1, max: 5 }),
    maxStores: fc.integer({ min: 1, max: 3 }),
    seed: fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1 }),
  })
  .chain(({ storeCount, itemCount, maxStores }) =>
    fc.record({
      maxStores: fc.constant(maxStores),
      storeCount: fc.constant(storeCount),
      quantities: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: itemCount, maxLength: itemCount }),
      prices: fc.array(
        fc.array(fc.option(fc.integer({ min: 50, max: 900 }), { nil: undefined, freq: 4 }), {
          minLength: storeCount,
          maxLength: storeCount,
        }),
        { minLength: itemCount, maxLength: itemCount },
      ),
      coupons: fc.array(
        fc.array(fc.array(lineCoupon, { maxLength: 2 }), { minLength: storeCount, maxLength: storeCount }),
        { minLength: itemCount, maxLength: itemCount },
      ),
      spend: fc.array(
        fc.array(
          fc
            .record({ threshold: fc.integer({ min: 100, max: 4000 }), off: fc.integer({ min: 1, max: 100 }) })
            .map(({ threshold, off }) => ({
              threshold,
              off: Math.max(1, Math.floor((threshold * off) / 250)),
            })),
          { maxLength: 3 },
        ),
        { minLength: storeCount, maxLength: storeCount },
      ),
    }),
  )
  .map(
    ({ maxStores, storeCount, quantities, prices, coupons, spend }): SplitProblem => ({
      storeCount,
      maxStores,
      options: prices.map((row, item) =>
        row.map((unit, store) => {
          if (unit === undefined) return undefined;
          const quantity = quantities[item] as number;
          const shelf = unit * quantity;
          const options: LineOption[] = [{ costCents: shelf }];
          (coupons[item]?.[store] ?? []).forEach((terms, index) => {
            const discount = lineDiscountCents(terms, unit, quantity);
            if (discount > 0)
              options.push({ costCents: shelf - discount, couponId: `c${item}-${store}-${index}` });
          });
          return options;
        }),
      ),
      spendOffers: spend.map((offers, store) =>
        offers.map((offer, index) => ({
          couponId: `s${store}-${index}`,
          thresholdCents: offer.threshold,
          amountOffCents: offer.off,
        })),
      ),
    }),
  );

describe('findCheapestStoreSplit', () => {
  it('equals brute force on random small instances, coupons and spend thresholds included', () => {
    fc.assert(
      fc.property(instance, (problem) => {
        const solved = findCheapestStoreSplit(problem);
        const reference = bruteForceSplit(problem);
        expect(solved.uncoveredCount).toBe(reference.uncoveredCount);
        expect(solved.totalCents).toBe(reference.totalCents);
        // The reported total is the true cost of the reported choices.
        expect(evaluateChoices(problem, solved.choices).totalCents).toBe(solved.totalCents);
        expect(new Set(solved.choices.flatMap((c) => (c ? [c.store] : []))).size).toBeLessThanOrEqual(
          problem.maxStores,
        );
      }),
      { numRuns: 600, seed: 7_2026 },
    );
  });

  it('moves an item to another store when that reaches a spend threshold', () => {
    // Store 0: milk 300, bread 200; store 1: milk 310, bread 210, spend 500 save 100.
    const problem: SplitProblem = {
      storeCount: 2,
      maxStores: 1,
      options: [
        [[{ costCents: 300 }], [{ costCents: 310 }]],
        [[{ costCents: 200 }], [{ costCents: 210 }]],
      ],
      spendOffers: [[], [{ couponId: 'spend', thresholdCents: 500, amountOffCents: 100 }]],
    };
    const solved = findCheapestStoreSplit(problem);
    expect(solved.totalCents).toBe(420);
    expect(solved.choices.every((choice) => choice?.store === 1)).toBe(true);
  });

  it('skips a line coupon when keeping the shelf price holds a store over its threshold', () => {
    const problem: SplitProblem = {
      storeCount: 1,
      maxStores: 1,
      options: [[[{ costCents: 5000 }, { costCents: 4950, couponId: 'fifty-cents' }]]],
      spendOffers: [[{ couponId: 'spend', thresholdCents: 5000, amountOffCents: 1000 }]],
    };
    const solved = findCheapestStoreSplit(problem);
    expect(solved.totalCents).toBe(4000);
    expect(solved.choices[0]).toEqual({ store: 0, option: 0 });
  });

  it('covers the most items before it looks at cost', () => {
    const problem: SplitProblem = {
      storeCount: 2,
      maxStores: 1,
      options: [
        [[{ costCents: 100 }], [{ costCents: 500 }]],
        [undefined, [{ costCents: 100 }]],
      ],
      spendOffers: [[], []],
    };
    const solved = findCheapestStoreSplit(problem);
    expect(solved.uncoveredCount).toBe(0);
    expect(solved.totalCents).toBe(600);
  });

  it('refuses rather than guesses when the search exceeds its node budget', () => {
    const problem: SplitProblem = {
      storeCount: 2,
      maxStores: 2,
      maxNodes: 1,
      options: Array.from({ length: 12 }, (_, i) => [[{ costCents: 100 + i }], [{ costCents: 101 + i }]]),
      spendOffers: [
        [{ couponId: 'a', thresholdCents: 700, amountOffCents: 300 }],
        [{ couponId: 'b', thresholdCents: 700, amountOffCents: 300 }],
      ],
    };
    expect(() => findCheapestStoreSplit(problem)).toThrow(SplitTooLargeError);
  });
});

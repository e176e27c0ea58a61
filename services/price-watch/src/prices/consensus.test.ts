import { describe, expect, it } from 'vitest';
import { type Evidence, rejectOutliers, sharedPriceOf } from './consensus.js';

const k3 = { minContributors: 3 };
let sequence = 0;
function receipt(userId: string, priceCents: number, day: number): Evidence {
  sequence += 1;
  return {
    observationId: `r${sequence}`,
    priceCents,
    source: 'receipt',
    userId,
    observedAt: new Date(Date.UTC(2026, 10, day)),
  };
}
function store(priceCents: number, day: number): Evidence {
  sequence += 1;
  return {
    observationId: `s${sequence}`,
    priceCents,
    source: 'catalog',
    userId: null,
    observedAt: new Date(Date.UTC(2026, 10, day)),
  };
}

describe('rejectOutliers (median absolute deviation)', () => {
  it('drops a price far from the others and keeps a plausible sale', () => {
    const prices = [69, 70, 69, 68, 1, 55].map((priceCents) => ({ priceCents }));
    expect(rejectOutliers(prices).map((item) => item.priceCents)).toEqual([69, 70, 69, 68, 55]);
  });

  it('keeps everything below three prices (nothing to compare with)', () => {
    expect(rejectOutliers([{ priceCents: 1 }, { priceCents: 69 }])).toHaveLength(2);
  });
});

describe('sharedPriceOf', () => {
  it('shares nothing from one contributor, however many receipts', () => {
    const evidence = [receipt('a', 1, 1), receipt('a', 1, 2), receipt('a', 1, 3), receipt('a', 1, 4)];
    expect(sharedPriceOf(evidence, k3)).toBeUndefined();
  });

  it('shares the median of k distinct contributors, dated by the newest of them', () => {
    const shared = sharedPriceOf([receipt('a', 70, 1), receipt('b', 72, 3), receipt('c', 69, 2)], k3);
    expect(shared).toMatchObject({ priceCents: 70, basis: 'consensus', contributors: 3 });
    expect(shared?.observedAt.toISOString()).toBe('2026-11-03T00:00:00.000Z');
  });

  it('keeps the store price against one contributor’s 1¢ receipt', () => {
    const shared = sharedPriceOf([store(69, 1), receipt('a', 1, 5)], k3);
    expect(shared).toMatchObject({ priceCents: 69, basis: 'store', contributors: 0 });
  });

  it('rejects an outlier among contributors so it moves nothing', () => {
    const shared = sharedPriceOf(
      [store(69, 1), receipt('a', 69, 2), receipt('b', 70, 3), receipt('c', 68, 4), receipt('d', 1, 5)],
      k3,
    );
    expect(shared).toMatchObject({ priceCents: 69, basis: 'consensus', contributors: 3 });
  });

  it('takes the newer of the store price and the consensus', () => {
    const newerStore = sharedPriceOf(
      [receipt('a', 70, 1), receipt('b', 70, 2), receipt('c', 70, 3), store(65, 4)],
      k3,
    );
    expect(newerStore).toMatchObject({ priceCents: 65, basis: 'store' });
    const newerConsensus = sharedPriceOf(
      [store(65, 1), receipt('a', 70, 2), receipt('b', 70, 3), receipt('c', 70, 4)],
      k3,
    );
    expect(newerConsensus).toMatchObject({ priceCents: 70, basis: 'consensus' });
  });

  it('counts a contributor once: their newest receipt', () => {
    const shared = sharedPriceOf([receipt('a', 50, 1), receipt('a', 70, 2), receipt('b', 70, 3)], {
      minContributors: 2,
    });
    expect(shared).toMatchObject({ priceCents: 70, contributors: 2 });
  });
});

import { toCanonicalSize } from '@cartwatch/common-types';
import { describe, expect, it } from 'vitest';
import { assessShrink, medianCents, type SizedObservation, sizeRuns } from './shrink-rules.js';

let seq = 0;
function obs(sizeOz: number, priceCents: number, dayNumber: number): SizedObservation {
  seq += 1;
  return {
    observationId: `o${seq}`,
    productId: 'p',
    size: toCanonicalSize(sizeOz, 'oz'),
    priceCents,
    currency: 'USD',
    isSale: false,
    observedAt: new Date(Date.UTC(2026, 0, 1 + dayNumber)),
  };
}

const samePack = { score: 1, detail: 'same product' };

describe('assessShrink', () => {
  it('computes size, unit-price and quality-adjusted changes for 16 oz -> 14.5 oz at 3.99', () => {
    const result = assessShrink({
      before: [obs(16, 399, 0), obs(16, 399, 7), obs(16, 399, 14)],
      after: [obs(14.5, 399, 21), obs(14.5, 399, 28), obs(14.5, 399, 35)],
      saleObservationsExcluded: 0,
      pairing: samePack,
      minSizeDropPct: 0.5,
    });
    expect(result).toMatchObject({
      sizeChangePct: -9.38,
      unitPriceChangePct: 10.34,
      qualityAdjustedPriceCents: 440,
      qualityAdjustedPriceChangePct: 10.34,
      priceDirection: 'held',
      confidence: 1,
    });
  });

  it('uses medians, so one odd regular price does not move the figures', () => {
    const result = assessShrink({
      before: [obs(16, 399, 0), obs(16, 999, 7), obs(16, 399, 14)],
      after: [obs(14.5, 399, 21), obs(14.5, 399, 28)],
      saleObservationsExcluded: 0,
      pairing: samePack,
      minSizeDropPct: 0.5,
    });
    expect(result?.oldPriceCents).toBe(399);
  });

  it('ignores drops below the rounding threshold and price cuts that keep the unit price', () => {
    const tiny = assessShrink({
      before: [obs(16, 399, 0)],
      after: [obs(15.95, 399, 7), obs(15.95, 399, 8)],
      saleObservationsExcluded: 0,
      pairing: samePack,
      minSizeDropPct: 0.5,
    });
    expect(tiny).toBeUndefined();
    const fair = assessShrink({
      before: [obs(16, 400, 0)],
      after: [obs(12, 300, 7), obs(12, 300, 8)],
      saleObservationsExcluded: 0,
      pairing: samePack,
      minSizeDropPct: 0.5,
    });
    expect(fair).toBeUndefined();
  });
});

describe('sizeRuns and medianCents', () => {
  it('groups consecutive sizes', () => {
    const runs = sizeRuns([obs(16, 1, 0), obs(16, 1, 1), obs(14, 1, 2), obs(16, 1, 3)]);
    expect(runs.map((r) => r.observations.length)).toEqual([2, 1, 1]);
  });

  it('takes the middle value, or the rounded mean of the two middle ones', () => {
    expect(medianCents([5, 1, 3])).toBe(3);
    expect(medianCents([1, 2])).toBe(2);
  });
});

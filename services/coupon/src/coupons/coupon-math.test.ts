import { describe, expect, it } from 'vitest';
import { type CouponTerms, lineDiscountCents, spendThresholdDiscountCents } from './coupon-math.js';

const terms = (overrides: Partial<CouponTerms> & Pick<CouponTerms, 'type'>): CouponTerms => ({
  minQuantity: 1,
  ...overrides,
});

describe('coupon arithmetic', () => {
  it('takes a percentage off the line, rounding down to the cent', () => {
    expect(lineDiscountCents(terms({ type: 'percent', percentOff: 15 }), 333, 1)).toBe(49); // 49.95
    expect(lineDiscountCents(terms({ type: 'percent', percentOff: 100 }), 250, 3)).toBe(750);
  });

  it('takes a fixed amount off once per line, never more than the line costs', () => {
    expect(lineDiscountCents(terms({ type: 'fixed', amountOffCents: 100 }), 250, 3)).toBe(100);
    expect(lineDiscountCents(terms({ type: 'fixed', amountOffCents: 500 }), 199, 1)).toBe(199);
  });

  it('gives every second unit free for BOGO, also on odd quantities', () => {
    const bogo = terms({ type: 'bogo' });
    expect(lineDiscountCents(bogo, 300, 1)).toBe(0);
    expect(lineDiscountCents(bogo, 300, 2)).toBe(300);
    expect(lineDiscountCents(bogo, 300, 3)).toBe(300);
    expect(lineDiscountCents(bogo, 300, 4)).toBe(600);
    expect(lineDiscountCents(bogo, 300, 5)).toBe(600);
  });

  it('counts complete buy-X-get-Y groups only, at the get percentage', () => {
    const buy2get1 = terms({ type: 'buy_x_get_y', buyQuantity: 2, getQuantity: 1 });
    expect(lineDiscountCents(buy2get1, 100, 2)).toBe(0);
    expect(lineDiscountCents(buy2get1, 100, 3)).toBe(100);
    expect(lineDiscountCents(buy2get1, 100, 5)).toBe(100);
    expect(lineDiscountCents(buy2get1, 100, 6)).toBe(200);
    const buy1getHalf = terms({ type: 'buy_x_get_y', buyQuantity: 1, getQuantity: 1, getPercentOff: 50 });
    expect(lineDiscountCents(buy1getHalf, 199, 2)).toBe(99); // 99.5 rounds down
    expect(lineDiscountCents(buy1getHalf, 199, 3)).toBe(99);
  });

  it('applies only from the minimum quantity, at the exact boundary included', () => {
    const coupon = terms({ type: 'fixed', amountOffCents: 100, minQuantity: 3 });
    expect(lineDiscountCents(coupon, 200, 2)).toBe(0);
    expect(lineDiscountCents(coupon, 200, 3)).toBe(100);
  });

  it('applies only from the minimum line purchase, at the exact boundary included', () => {
    const coupon = terms({ type: 'percent', percentOff: 10, minPurchaseCents: 1000 });
    expect(lineDiscountCents(coupon, 333, 3)).toBe(0); // 999
    expect(lineDiscountCents(coupon, 250, 4)).toBe(100); // exactly 1000
  });

  it('unlocks a spend threshold at exactly the threshold and not a cent below', () => {
    const spend = terms({ type: 'spend_threshold', thresholdCents: 5000, amountOffCents: 1000 });
    expect(spendThresholdDiscountCents(spend, 4999)).toBe(0);
    expect(spendThresholdDiscountCents(spend, 5000)).toBe(1000);
    expect(spendThresholdDiscountCents(spend, 12000)).toBe(1000);
    // A spend coupon never acts on a line, and a line coupon never on a subtotal.
    expect(lineDiscountCents(spend, 5000, 1)).toBe(0);
    expect(spendThresholdDiscountCents(terms({ type: 'percent', percentOff: 10 }), 5000)).toBe(0);
  });

  it('gives nothing for a non-integer or zero quantity', () => {
    expect(lineDiscountCents(terms({ type: 'bogo' }), 300, 2.5)).toBe(0);
    expect(lineDiscountCents(terms({ type: 'percent', percentOff: 10 }), 300, 0)).toBe(0);
  });
});

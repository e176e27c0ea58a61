/**
 * Coupon arithmetic: what one coupon takes off one list line, and whether a store-wide spend threshold
 * is met. Pure integer cents; every rounding goes down (the shopper never gets a cent the till would not
 * give). The optimizer builds its per-line options from these numbers (docs/shopping-optimizer.md).
 */

export const couponTypes = ['percent', 'fixed', 'bogo', 'buy_x_get_y', 'spend_threshold'] as const;
export type CouponType = (typeof couponTypes)[number];

export interface CouponTerms {
  type: CouponType;
  /** percent: 1-100 off the line. */
  percentOff?: number | null;
  /** fixed: cents off the line, once; spend_threshold: cents off the store total. */
  amountOffCents?: number | null;
  /** buy_x_get_y: buy X units, get Y more at getPercentOff (100 = free). */
  buyQuantity?: number | null;
  getQuantity?: number | null;
  getPercentOff?: number | null;
  /** spend_threshold: the store subtotal (after line coupons) that unlocks amountOffCents. */
  thresholdCents?: number | null;
  /** Line coupons: the line must have at least this many units. */
  minQuantity: number;
  /** Line coupons: the line must cost at least this much at shelf price. */
  minPurchaseCents?: number | null;
}

/** Cents a line coupon takes off `quantity` units at `unitPriceCents`; 0 when it does not apply. */
export function lineDiscountCents(terms: CouponTerms, unitPriceCents: number, quantity: number): number {
  if (!Number.isInteger(quantity) || quantity <= 0 || unitPriceCents <= 0) return 0;
  const lineCents = unitPriceCents * quantity;
  if (quantity < terms.minQuantity) return 0;
  if (lineCents < (terms.minPurchaseCents ?? 0)) return 0;
  let discount: number;
  switch (terms.type) {
    case 'percent':
      discount = Math.floor((lineCents * (terms.percentOff ?? 0)) / 100);
      break;
    case 'fixed':
      discount = terms.amountOffCents ?? 0;
      break;
    case 'bogo':
      // Every second unit is free: 3 units -> 1 free, 4 -> 2.
      discount = Math.floor(quantity / 2) * unitPriceCents;
      break;
    case 'buy_x_get_y': {
      const buy = terms.buyQuantity ?? 0;
      const get = terms.getQuantity ?? 0;
      if (buy <= 0 || get <= 0) return 0;
      const groups = Math.floor(quantity / (buy + get));
      discount = Math.floor((groups * get * unitPriceCents * (terms.getPercentOff ?? 100)) / 100);
      break;
    }
    case 'spend_threshold':
      return 0;
  }
  return Math.max(0, Math.min(discount, lineCents));
}

/** Cents a spend-threshold coupon takes off a store whose subtotal (after line coupons) is `subtotalCents`. */
export function spendThresholdDiscountCents(terms: CouponTerms, subtotalCents: number): number {
  if (terms.type !== 'spend_threshold') return 0;
  const threshold = terms.thresholdCents ?? 0;
  if (subtotalCents < threshold) return 0;
  return Math.min(terms.amountOffCents ?? 0, subtotalCents);
}

/** Row -> API shape and row -> arithmetic terms, in one place. */
import type { Coupon } from '@cartwatch/common-types';
import type { CouponRow, CouponTermColumn } from './coupon.repository.js';
import type { CouponTerms } from './coupon-math.js';

const iso = (value: Date | string): string => new Date(value).toISOString();
const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

export function toCoupon(row: CouponRow, clipped: boolean): Coupon {
  return {
    id: row.id,
    externalId: row.external_id,
    storeSlug: row.store_slug,
    scope: { kind: row.scope_kind, productId: row.product_id, brand: row.brand, category: row.category },
    type: row.type,
    percentOff: row.percent_off,
    amountOffCents: num(row.amount_off_cents),
    buyQuantity: row.buy_quantity,
    getQuantity: row.get_quantity,
    getPercentOff: row.get_percent_off,
    thresholdCents: num(row.threshold_cents),
    minQuantity: row.min_quantity,
    minPurchaseCents: num(row.min_purchase_cents),
    currency: row.currency,
    validFrom: iso(row.valid_from),
    validTo: row.valid_to ? iso(row.valid_to) : null,
    requiresClip: row.requires_clip,
    code: row.code,
    sourceUrl: row.source_url,
    title: row.title,
    description: row.description,
    clipped,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function termsOf(row: Pick<CouponRow, CouponTermColumn>): CouponTerms {
  return {
    type: row.type,
    percentOff: row.percent_off,
    amountOffCents: num(row.amount_off_cents),
    buyQuantity: row.buy_quantity,
    getQuantity: row.get_quantity,
    getPercentOff: row.get_percent_off,
    thresholdCents: num(row.threshold_cents),
    minQuantity: row.min_quantity,
    minPurchaseCents: num(row.min_purchase_cents),
  };
}

/** Whether a line coupon's scope covers a product (brand and category compare case-insensitively). */
export function scopeCovers(
  row: Pick<CouponRow, 'scope_kind' | 'product_id' | 'brand' | 'category'>,
  product: { productId: string; brand: string | null; category: string | null },
): boolean {
  switch (row.scope_kind) {
    case 'product':
      return row.product_id === product.productId;
    case 'brand':
      return !!row.brand && !!product.brand && row.brand.toLowerCase() === product.brand.toLowerCase();
    case 'category':
      return (
        !!row.category && !!product.category && row.category.toLowerCase() === product.category.toLowerCase()
      );
    case 'store':
      return false;
  }
}

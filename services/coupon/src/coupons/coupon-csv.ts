/**
 * CSV deal feeds -> coupon objects for the same validation as JSON. Read as a stream by service-kit's
 * `readCsvRows` (csv-parse: RFC 4180 quoting, a row cap, line numbers in errors), as receipt CSVs are.
 * The header names the fields (camelCase as in the JSON API, `scopeKind`/`productId`/`brand`/`category`
 * for the scope).
 */
import type { Readable } from 'node:stream';
import type { CouponType } from '@cartwatch/common-types';
import { readCsvRows } from '@cartwatch/service-kit';

/** The number columns each coupon type carries (as its CreateCoupon member); minQuantity is every type's. */
const numbersOf: Record<CouponType, readonly string[]> = {
  percent: ['percentOff', 'minPurchaseCents'],
  fixed: ['amountOffCents', 'minPurchaseCents'],
  bogo: ['minPurchaseCents'],
  buy_x_get_y: ['buyQuantity', 'getQuantity', 'getPercentOff', 'minPurchaseCents'],
  spend_threshold: ['thresholdCents', 'amountOffCents'],
};
const scopeFields = new Set(['productId', 'brand', 'category']);

const isCouponType = (value: string | undefined): value is CouponType =>
  value !== undefined && Object.hasOwn(numbersOf, value);

/**
 * One object per data row, in order; empty cells are left out, numbers and booleans converted when they
 * look right. The row's `type` says which number columns are its own (as its CreateCoupon member); a cell
 * in another type's number column is passed on as text and validation names it an unknown field, as a
 * scope cell the `scopeKind` does not take (as for JSON). A malformed row, or more
 * than `maxRows` of them, rejects the feed (400 naming the line).
 */
export async function couponsFromCsv(input: Readable, maxRows: number): Promise<Record<string, unknown>[]> {
  const coupons: Record<string, unknown>[] = [];
  for await (const { record } of readCsvRows(input, { maxRows })) {
    const type = record.type;
    const numbers = new Set(['minQuantity', ...(isCouponType(type) ? numbersOf[type] : [])]);
    const coupon: Record<string, unknown> = {};
    const scope: Record<string, unknown> = {};
    for (const [name, raw] of Object.entries(record)) {
      if (raw === '') continue;
      if (name === 'scopeKind') scope.kind = raw;
      else if (scopeFields.has(name)) scope[name] = raw;
      else if (numbers.has(name)) coupon[name] = /^-?\d+$/.test(raw) ? Number(raw) : raw;
      else if (name === 'requiresClip') coupon[name] = raw === 'true' ? true : raw === 'false' ? false : raw;
      else coupon[name] = raw;
    }
    coupon.scope = scope;
    coupons.push(coupon);
  }
  return coupons;
}

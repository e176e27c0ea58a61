/**
 * CSV deal feeds -> coupon objects for the same validation as JSON. Read as a stream by service-kit's
 * `readCsvRows` (csv-parse: RFC 4180 quoting, a row cap, line numbers in errors), as receipt CSVs are.
 * The header names the fields (camelCase as in the JSON API, `scopeKind`/`productId`/`brand`/`category`
 * for the scope).
 */
import type { Readable } from 'node:stream';
import { readCsvRows } from '@cartwatch/service-kit';

const integerFields = new Set([
  'percentOff',
  'amountOffCents',
  'buyQuantity',
  'getQuantity',
  'getPercentOff',
  'thresholdCents',
  'minQuantity',
  'minPurchaseCents',
]);
const scopeFields = new Set(['productId', 'brand', 'category']);

/**
 * One object per data row, in order; empty cells are left out, numbers and booleans converted when they
 * look right. A malformed row, or more than `maxRows` of them, rejects the feed (400 naming the line).
 */
export async function couponsFromCsv(input: Readable, maxRows: number): Promise<Record<string, unknown>[]> {
  const coupons: Record<string, unknown>[] = [];
  for await (const { record } of readCsvRows(input, { maxRows })) {
    const coupon: Record<string, unknown> = {};
    const scope: Record<string, unknown> = {};
    for (const [name, raw] of Object.entries(record)) {
      if (raw === '') continue;
      if (name === 'scopeKind') scope.kind = raw;
      else if (scopeFields.has(name)) scope[name] = raw;
      else if (integerFields.has(name)) coupon[name] = /^-?\d+$/.test(raw) ? Number(raw) : raw;
      else if (name === 'requiresClip') coupon[name] = raw === 'true' ? true : raw === 'false' ? false : raw;
      else coupon[name] = raw;
    }
    coupon.scope = scope;
    coupons.push(coupon);
  }
  return coupons;
}

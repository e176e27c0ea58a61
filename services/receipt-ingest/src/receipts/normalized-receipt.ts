/**
 * The normalized receipt every import path produces (JSON, CSV, text, e-mail, store sync) before it
 * is validated against the catalog and recorded. Amounts are integer cents; quantities are decimals
 * with at most three places, kept as thousandths so no float arithmetic touches money. `checkReceipt`
 * holds the rules every path shares, so no path can skip one: amounts in range (computed lines and the
 * total included), plausible discounts, `purchasedAt` at most a day ahead.
 */
import { createHash } from 'node:crypto';
import {
  type FieldIssue,
  isAmountInRange,
  lineKindOf,
  MAX_AMOUNT_CENTS,
  type PackSize,
  type ReceiptIngestApi,
} from '@cartwatch/common-types';
import type { z } from 'zod';

export type IngestionSource = z.infer<typeof ReceiptIngestApi.IngestionMethod>;
export type QuantityUnit = z.infer<typeof ReceiptIngestApi.QuantityUnit>;

export interface NormalizedItem {
  name: string;
  gtin?: string | undefined;
  brand?: string | undefined;
  category?: string | undefined;
  /** Quantity in thousandths (1.25 kg -> 1250). */
  quantityMilli: number;
  unit: QuantityUnit;
  unitPriceCents: number;
  paidCents: number;
  regularPriceCents?: number | undefined;
  discountCents: number;
  /** Pack size in canonical units, when the receipt states it. */
  size?: PackSize | undefined;
}

export interface NormalizedReceipt {
  storeSlug: string;
  locationId?: string | undefined;
  purchasedAt: Date;
  currency: string;
  retailerReceiptId?: string | undefined;
  totalCents?: number | undefined;
  items: NormalizedItem[];
  source: IngestionSource;
  parseConfidence?: number | undefined;
  unparsedLines?: Array<{ lineNo: number; text: string }> | undefined;
  /** For parsed text: the text itself identifies the receipt (its printed date may be missing). */
  sourceText?: string | undefined;
  /** A key that identifies the receipt whatever its (edited) content: a photo's image hash. */
  idempotencyKey?: string | undefined;
  /** Where problems are reported: the receipt's own path and one path per item (e.g. CSV line numbers). */
  origin: { path: string; itemPaths: string[] };
}

export function toQuantityMilli(quantity: number): number {
  return Math.round(quantity * 1000);
}

export function formatQuantity(quantityMilli: number): string {
  return (quantityMilli / 1000).toFixed(3);
}

/** Quantity x unit price in whole cents, rounded half away from zero, without float error. */
export function extendedPriceCents(quantityMilli: number, unitPriceCents: number): number {
  const product = quantityMilli * unitPriceCents;
  const cents = Math.floor((Math.abs(product) + 500) / 1000);
  return product < 0 ? -cents : cents;
}

/**
 * Fills what a line leaves implicit: paid = qty x price - discount; discount = qty x regular - paid.
 * A negative paid amount is a return (money back for the units brought back): it has no discount.
 */
export function completeItem(item: {
  name: string;
  gtin?: string | undefined;
  brand?: string | undefined;
  category?: string | undefined;
  quantityMilli: number;
  unit: QuantityUnit;
  unitPriceCents: number;
  paidCents?: number | undefined;
  regularPriceCents?: number | undefined;
  discountCents?: number | undefined;
  size?: PackSize | undefined;
}): NormalizedItem {
  const gross = extendedPriceCents(item.quantityMilli, item.unitPriceCents);
  const paidCents = item.paidCents ?? gross - (item.discountCents ?? 0);
  let discountCents = item.discountCents;
  if (discountCents === undefined && lineKindOf(paidCents) === 'return') discountCents = 0;
  if (discountCents === undefined) {
    const reference =
      item.regularPriceCents === undefined
        ? gross
        : extendedPriceCents(item.quantityMilli, item.regularPriceCents);
    discountCents = Math.max(0, reference - paidCents);
  }
  return {
    name: item.name,
    gtin: item.gtin,
    brand: item.brand,
    category: item.category,
    quantityMilli: item.quantityMilli,
    unit: item.unit,
    unitPriceCents: item.unitPriceCents,
    paidCents,
    regularPriceCents: item.regularPriceCents,
    discountCents,
    size: item.size,
  };
}

export function totalOf(receipt: Pick<NormalizedReceipt, 'items'>): number {
  return receipt.items.reduce((sum, item) => sum + item.paidCents, 0);
}

/** How far ahead of the server clock a purchase may be dated (time zones, a cash register's clock). */
export const MAX_PURCHASE_AHEAD_MS = 86_400_000;

const amountFields = ['unitPriceCents', 'paidCents', 'regularPriceCents', 'discountCents'] as const;
const outOfRange = `must be an integer between -${MAX_AMOUNT_CENTS} and ${MAX_AMOUNT_CENTS}`;

/** Checks that do not need the database: amounts in range, totals add up, discounts plausible, dates. */
export function checkReceipt(receipt: NormalizedReceipt, now: Date = new Date()): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const at = (base: string, field: string) => (base === '' ? field : `${base}.${field}`);
  if (receipt.purchasedAt.getTime() > now.getTime() + MAX_PURCHASE_AHEAD_MS) {
    issues.push({
      path: at(receipt.origin.path, 'purchasedAt'),
      message: 'must not be more than a day in the future',
      code: 'too_big',
    });
  }
  let amountsInRange = true;
  receipt.items.forEach((item, index) => {
    const path = receipt.origin.itemPaths[index] ?? at(receipt.origin.path, `items.${index}`);
    if (item.quantityMilli <= 0) {
      issues.push({ path: at(path, 'quantity'), message: 'must be positive', code: 'too_small' });
    }
    // Given amounts were bounded by their schema or reader; these are mostly the computed ones
    // (quantity x price, the discount against a regular price), which can still leave the range.
    for (const field of amountFields) {
      const cents = item[field];
      if (cents !== undefined && !isAmountInRange(cents)) {
        amountsInRange = false;
        issues.push({ path: at(path, field), message: outOfRange, code: 'too_big' });
      }
    }
    if (item.discountCents < 0) {
      issues.push({ path: at(path, 'discountCents'), message: 'must not be negative', code: 'too_small' });
    }
  });
  if (!amountsInRange) return issues;
  const total = totalOf(receipt);
  if (!isAmountInRange(total)) {
    issues.push({
      path: at(receipt.origin.path, 'totalCents'),
      message: `the lines add up to ${total}: ${outOfRange}`,
      code: 'too_big',
    });
    return issues;
  }
  if (receipt.totalCents !== undefined && receipt.totalCents !== total) {
    issues.push({
      path: at(receipt.origin.path, 'totalCents'),
      message: `is ${receipt.totalCents} but the lines add up to ${total}`,
      code: 'total_mismatch',
    });
  }
  return issues;
}

/**
 * The key that makes a re-import return the existing purchase: the retailer's receipt id when there
 * is one, else a hash of what the receipt says (store, time, currency, every line).
 */
export function dedupeKeyOf(receipt: NormalizedReceipt): string {
  if (receipt.retailerReceiptId !== undefined) return `rid:${receipt.storeSlug}:${receipt.retailerReceiptId}`;
  if (receipt.idempotencyKey !== undefined) return receipt.idempotencyKey;
  if (receipt.sourceText !== undefined) {
    const text = receipt.sourceText
      .replace(/\r\n?/g, '\n')
      .replace(/[ \t]+$/gm, '')
      .trim();
    return `text:${createHash('sha256').update(`${receipt.storeSlug}\n${text}`).digest('hex')}`;
  }
  const content = JSON.stringify([
    receipt.storeSlug,
    receipt.locationId ?? null,
    receipt.purchasedAt.toISOString(),
    receipt.currency,
    receipt.items.map((item) => [
      item.name,
      item.gtin ?? null,
      item.quantityMilli,
      item.unit,
      item.unitPriceCents,
      item.paidCents,
      item.discountCents,
    ]),
  ]);
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

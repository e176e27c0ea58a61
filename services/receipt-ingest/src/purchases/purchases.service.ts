/** A user's purchase history: list, detail with line items, deletion and spending statistics. */
import { defineCursor, type Page, pageFromRows, type ReceiptIngestApi } from '@cartwatch/common-types';
import type { Database } from '@cartwatch/db';
import { AppError } from '@cartwatch/service-kit';
import { z } from 'zod';
import type { DB } from '../db/schema.js';
import * as purchases from './purchases.repository.js';

type Purchase = z.infer<typeof ReceiptIngestApi.Purchase>;
type PurchaseSummary = z.infer<typeof ReceiptIngestApi.PurchaseSummary>;
type PurchaseStats = z.infer<typeof ReceiptIngestApi.PurchaseStats>;

const PurchaseCursor = defineCursor(z.strictObject({ at: z.iso.datetime(), id: z.uuid() }));

export function toSummary(row: purchases.PurchaseRow): PurchaseSummary {
  return {
    id: row.id,
    storeSlug: row.store_slug,
    locationId: row.location_id,
    purchasedAt: row.purchased_at.toISOString(),
    currency: row.currency,
    totalCents: row.total_cents,
    savingsCents: row.savings_cents,
    itemCount: row.item_count,
    source: row.source as PurchaseSummary['source'],
    retailerReceiptId: row.retailer_receipt_id,
    createdAt: row.created_at.toISOString(),
  };
}

export function toItem(row: purchases.PurchaseItemRow): Purchase['items'][number] {
  return {
    lineId: row.id,
    lineNo: row.line_no,
    name: row.name,
    gtin: row.gtin,
    brand: row.brand,
    category: row.category,
    quantity: Number(row.quantity),
    unit: row.unit as Purchase['items'][number]['unit'],
    unitPriceCents: row.unit_price_cents,
    paidCents: row.paid_cents,
    regularPriceCents: row.regular_price_cents,
    discountCents: row.discount_cents,
    kind: row.kind,
    productId: row.product_id,
  };
}

export async function getPurchase(database: Database<DB>, userId: string, id: string): Promise<Purchase> {
  const row = await purchases.findPurchase(database.db, userId, id);
  if (!row) throw AppError.notFound('purchase');
  const items = await purchases.listItems(database.db, row.id);
  return {
    ...toSummary(row),
    parseConfidence: row.parse_confidence,
    unparsedLines: row.unparsed_lines,
    items: items.map(toItem),
  };
}

export async function listPurchases(
  database: Database<DB>,
  userId: string,
  query: z.infer<typeof ReceiptIngestApi.PurchaseListQuery>,
): Promise<Page<PurchaseSummary>> {
  const after = query.cursor === undefined ? undefined : PurchaseCursor.decode(query.cursor);
  const rows = await purchases.listPurchases(database.db, {
    userId,
    store: query.store,
    from: query.from === undefined ? undefined : new Date(query.from),
    to: query.to === undefined ? undefined : new Date(query.to),
    text: query.text,
    after: after && { purchasedAt: new Date(after.at), id: after.id },
    limit: query.limit + 1,
  });
  return pageFromRows(rows, query.limit, toSummary, (last) =>
    PurchaseCursor.encode({ at: last.purchased_at.toISOString(), id: last.id }),
  );
}

export async function deletePurchase(database: Database<DB>, userId: string, id: string): Promise<void> {
  if (!(await purchases.deletePurchase(database.db, userId, id))) throw AppError.notFound('purchase');
}

/**
 * A SQL sum of amounts as a number. Amounts are bounded (MAX_AMOUNT_CENTS), so only a huge history
 * can pass Number.MAX_SAFE_INTEGER: that is asked to narrow the period rather than answered wrong.
 */
function centsOfSum(sum: string): number {
  const cents = Number(sum);
  if (!Number.isSafeInteger(cents)) {
    throw AppError.unprocessable(
      'the sums of this period are too large to answer exactly; ask for a shorter one',
    );
  }
  return cents;
}

export async function purchaseStats(
  database: Database<DB>,
  userId: string,
  query: z.infer<typeof ReceiptIngestApi.PurchaseStatsQuery>,
): Promise<PurchaseStats> {
  const rows = await purchases.purchaseStats(database.db, userId, query.groupBy, {
    from: query.from === undefined ? undefined : new Date(query.from),
    to: query.to === undefined ? undefined : new Date(query.to),
  });
  return {
    groupBy: query.groupBy,
    groups: rows.map((row) => ({
      key: row.key,
      currency: row.currency,
      spendCents: centsOfSum(row.spend_cents),
      savingsCents: centsOfSum(row.savings_cents),
      itemCount: Number(row.item_count),
      purchaseCount: Number(row.purchase_count),
    })),
  };
}

const EXPORT_PAGE = 200;

/**
 * All of a user's purchases with their line items, newest first, in the public API's shapes plus the
 * parse details, for the account export (docs/privacy.md).
 */
export async function exportPurchases(database: Database<DB>, userId: string) {
  const all = [];
  let after: { purchasedAt: Date; id: string } | undefined;
  for (;;) {
    const page = await purchases.listPurchases(database.db, { userId, after, limit: EXPORT_PAGE });
    const items = await purchases.listItemsOfPurchases(
      database.db,
      page.map((row) => row.id),
    );
    const lines = new Map<string, purchases.PurchaseItemRow[]>();
    for (const item of items) {
      const of = lines.get(item.purchase_id);
      if (of) of.push(item);
      else lines.set(item.purchase_id, [item]);
    }
    for (const row of page) {
      all.push({
        ...toSummary(row),
        parseConfidence: row.parse_confidence,
        unparsedLines: row.unparsed_lines,
        items: (lines.get(row.id) ?? []).map(toItem),
      });
    }
    const last = page.at(-1);
    if (page.length < EXPORT_PAGE || !last) break;
    after = { purchasedAt: last.purchased_at, id: last.id };
  }
  return all;
}

/**
 * Records normalized receipts as purchases: validates all of them against the catalog first (a bad
 * receipt rejects the whole request, nothing is written), then inserts new purchases, their items and
 * one `purchase.recorded.v1` per new purchase in one transaction. A receipt already imported by the
 * same user (same dedupe key) is not written again; its existing purchase is returned.
 */
import { eventCatalog, type FieldIssue, lineKindOf } from '@cartwatch/common-types';
import { type Database, newId, withTransaction } from '@cartwatch/db';
import { type PendingEvent, publishMany } from '@cartwatch/events';
import { AppError } from '@cartwatch/service-kit';
import type { DB } from '../db/schema.js';
import * as purchases from '../purchases/purchases.repository.js';
import * as stores from '../stores/stores.repository.js';
import {
  checkReceipt,
  dedupeKeyOf,
  formatQuantity,
  type NormalizedReceipt,
  totalOf,
} from './normalized-receipt.js';

export interface RecordedReceipt {
  purchaseId: string;
  created: boolean;
  itemCount: number;
}

function at(base: string, field: string): string {
  return base === '' ? field : `${base}.${field}`;
}

async function resolveCatalog(
  database: Database<DB>,
  receipts: readonly NormalizedReceipt[],
): Promise<{ retailerIds: Map<string, string>; issues: FieldIssue[] }> {
  const slugs = [...new Set(receipts.map((receipt) => receipt.storeSlug))];
  const retailers = await stores.findRetailersBySlugs(database.db, slugs);
  const retailerIds = new Map(retailers.map((row) => [row.slug, row.id]));
  const issues: FieldIssue[] = [];
  for (const receipt of receipts) {
    const retailerId = retailerIds.get(receipt.storeSlug);
    if (retailerId === undefined) {
      issues.push({
        path: at(receipt.origin.path, 'storeSlug'),
        message: `unknown store ${receipt.storeSlug}`,
        code: 'unknown_store',
      });
    } else if (receipt.locationId !== undefined) {
      const location = await stores.findLocation(database.db, retailerId, receipt.locationId);
      if (!location) {
        issues.push({
          path: at(receipt.origin.path, 'locationId'),
          message: `not a location of ${receipt.storeSlug}`,
          code: 'unknown_location',
        });
      }
    }
  }
  return { retailerIds, issues };
}

/** Validates every receipt, then records the new ones atomically; results are in input order. */
export async function recordReceipts(
  database: Database<DB>,
  userId: string,
  receipts: readonly NormalizedReceipt[],
): Promise<RecordedReceipt[]> {
  const { retailerIds, issues } = await resolveCatalog(database, receipts);
  for (const receipt of receipts) issues.push(...checkReceipt(receipt));
  if (issues.length > 0) throw AppError.validation(issues, 'the receipt was rejected; nothing was imported');

  const keys = receipts.map(dedupeKeyOf);
  // The same receipt twice in one request is recorded once.
  const firstByKey = new Map<string, NormalizedReceipt>();
  keys.forEach((key, index) => {
    const receipt = receipts[index];
    if (receipt && !firstByKey.has(key)) firstByKey.set(key, receipt);
  });

  return withTransaction(database.db, async (trx) => {
    const candidates = [...firstByKey].map(([key, receipt]) => ({ key, receipt, id: newId() }));
    const inserted = await purchases.insertNewPurchases(
      trx,
      candidates.map(({ key, receipt, id }) => ({
        id,
        user_id: userId,
        retailer_id: retailerIds.get(receipt.storeSlug) as string,
        location_id: receipt.locationId ?? null,
        purchased_at: receipt.purchasedAt,
        currency: receipt.currency,
        total_cents: totalOf(receipt),
        savings_cents: receipt.items.reduce((sum, item) => sum + item.discountCents, 0),
        item_count: receipt.items.length,
        source: receipt.source,
        retailer_receipt_id: receipt.retailerReceiptId ?? null,
        dedupe_key: key,
        parse_confidence: receipt.parseConfidence ?? null,
        unparsed_lines: JSON.stringify(receipt.unparsedLines ?? []),
      })),
    );
    const insertedKeys = new Set(inserted.map((row) => row.dedupe_key));
    const newOnes = candidates.filter(({ key }) => insertedKeys.has(key));

    const itemRows: purchases.NewPurchaseItem[] = [];
    const events: PendingEvent[] = [];
    for (const { id, receipt } of newOnes) {
      const eventItems = receipt.items.map((item, index) => {
        const lineId = newId();
        const kind = lineKindOf(item.paidCents);
        itemRows.push({
          id: lineId,
          purchase_id: id,
          line_no: index + 1,
          name: item.name,
          gtin: item.gtin ?? null,
          brand: item.brand ?? null,
          category: item.category ?? null,
          quantity: formatQuantity(item.quantityMilli),
          unit: item.unit,
          unit_price_cents: item.unitPriceCents,
          paid_cents: item.paidCents,
          regular_price_cents: item.regularPriceCents ?? null,
          discount_cents: item.discountCents,
          kind,
        });
        return {
          lineId,
          name: item.name,
          gtin: item.gtin,
          brand: item.brand,
          category: item.category,
          quantity: item.quantityMilli / 1000,
          quantityUnit: item.unit,
          unitPriceCents: item.unitPriceCents,
          paidCents: item.paidCents,
          regularPriceCents: item.regularPriceCents,
          discountCents: item.discountCents,
          onSale: item.discountCents > 0,
          size: item.size,
          kind,
        };
      });
      events.push({
        definition: eventCatalog.purchaseRecorded,
        event: {
          source: 'receipt-ingest',
          userId,
          subjectId: id,
          data: {
            purchaseId: id,
            userId,
            storeSlug: receipt.storeSlug,
            locationId: receipt.locationId,
            purchasedAt: receipt.purchasedAt.toISOString(),
            currency: receipt.currency,
            items: eventItems,
          },
        },
      });
    }
    await purchases.insertItems(trx, itemRows);
    await publishMany(trx, events);

    const existing = await purchases.findPurchasesByDedupeKeys(
      trx,
      userId,
      candidates.filter(({ key }) => !insertedKeys.has(key)).map(({ key }) => key),
    );
    const byKey = new Map<string, RecordedReceipt>();
    for (const { key, id, receipt } of newOnes) {
      byKey.set(key, { purchaseId: id, created: true, itemCount: receipt.items.length });
    }
    for (const row of existing) {
      byKey.set(row.dedupe_key, { purchaseId: row.id, created: false, itemCount: row.item_count });
    }
    const seen = new Set<string>();
    return keys.map((key) => {
      const result = byKey.get(key);
      if (!result) throw new Error(`purchase for ${key} neither inserted nor found`);
      // A repeat inside the same request points at the purchase the first copy created.
      const created = result.created && !seen.has(key);
      seen.add(key);
      return { ...result, created };
    });
  });
}

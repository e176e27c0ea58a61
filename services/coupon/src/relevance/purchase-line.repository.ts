/** The user's purchase lines (from receipts), kept for coupon relevance. */
import type { Executor } from '@cartwatch/db';
import { sql } from 'kysely';
import type { DB } from '../db/schema.js';

export interface NewPurchaseLine {
  purchaseId: string;
  lineId: string;
  userId: string;
  gtin: string | null;
  name: string;
  brand: string | null;
  category: string | null;
  storeSlug: string;
  purchasedAt: string;
}

export async function recordPurchaseLines(db: Executor<DB>, lines: NewPurchaseLine[]): Promise<void> {
  if (lines.length === 0) return;
  await db
    .insertInto('purchase_line')
    .values(
      lines.map((line) => ({
        purchase_id: line.purchaseId,
        line_id: line.lineId,
        user_id: line.userId,
        // A GTIN already seen in a price observation names the product without waiting for the match.
        product_id: line.gtin
          ? sql<string | null>`(select product_id from product where gtin = ${line.gtin} limit 1)`
          : null,
        gtin: line.gtin,
        name: line.name,
        brand: line.brand,
        category: line.category,
        store_slug: line.storeSlug,
        purchased_at: line.purchasedAt,
      })),
    )
    .onConflict((oc) => oc.columns(['purchase_id', 'line_id']).doNothing())
    .execute();
}

export async function setPurchaseLineProduct(
  db: Executor<DB>,
  purchaseId: string,
  lineId: string,
  productId: string,
): Promise<void> {
  await db
    .updateTable('purchase_line')
    .set({ product_id: productId })
    .where('purchase_id', '=', purchaseId)
    .where('line_id', '=', lineId)
    .execute();
}

export interface PurchaseSignal {
  productId: string | null;
  brand: string | null;
  category: string | null;
  lastPurchasedAt: Date;
}

/** Products, brands and categories the user bought since `since`, newest purchase per product. */
export async function findRecentPurchases(
  db: Executor<DB>,
  userId: string,
  since: Date,
): Promise<PurchaseSignal[]> {
  const rows = await db
    .selectFrom('purchase_line')
    .leftJoin('product', 'product.product_id', 'purchase_line.product_id')
    .select((eb) => [
      'purchase_line.product_id',
      eb.fn.coalesce('purchase_line.brand', 'product.brand').as('brand'),
      eb.fn.coalesce('purchase_line.category', 'product.category').as('category'),
      eb.fn.max('purchase_line.purchased_at').as('last_purchased_at'),
    ])
    .where('purchase_line.user_id', '=', userId)
    .where('purchase_line.purchased_at', '>=', since)
    .groupBy([
      'purchase_line.product_id',
      'purchase_line.brand',
      'product.brand',
      'purchase_line.category',
      'product.category',
    ])
    .limit(2000)
    .execute();
  return rows.map((row) => ({
    productId: row.product_id,
    brand: row.brand,
    category: row.category,
    lastPurchasedAt: new Date(row.last_purchased_at as Date | string),
  }));
}

/** Forgets the user's purchase history. */
export async function deleteUserPurchaseLines(db: Executor<DB>, userId: string): Promise<void> {
  await db.deleteFrom('purchase_line').where('user_id', '=', userId).execute();
}

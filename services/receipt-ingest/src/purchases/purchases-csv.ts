/**
 * Writes a user's purchases as the receipt CSV that `POST /receipts/csv` reads (csv-receipt.reader.ts):
 * the same columns, one row per line item, amounts as decimals ("3.99"), quantities as stored
 * (three decimals at most). Importing the file into another account reproduces the purchases: store,
 * location, time, currency, the retailer's receipt id and every line's name, GTIN, brand, category,
 * quantity, unit and the unit, paid, regular and discount amounts. Purchases are read a page at a time
 * (keyset on purchased_at, id), so a long history streams in constant memory.
 */
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Database, Executor } from '@cartwatch/db';
import { stringify } from 'csv-stringify';
import type { DB } from '../db/schema.js';
import { csvColumns } from '../receipts/csv-receipt.reader.js';
import * as purchases from './purchases.repository.js';

/** Purchases read per query while streaming. */
const PAGE_SIZE = 200;

export interface PurchaseCsvFilter {
  store?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  text?: string | undefined;
}

/** Minor units as the decimal the CSV reader parses (parseMinorUnits): 399 -> "3.99", -50 -> "-0.50". */
export function formatMinorUnits(cents: number): string {
  const magnitude = Math.abs(cents);
  const whole = Math.floor(magnitude / 100);
  const fraction = String(magnitude % 100).padStart(2, '0');
  return `${cents < 0 ? '-' : ''}${whole}.${fraction}`;
}

/** "1.500" -> "1.5", "2.000" -> "2": the reader accepts either; the shorter reads better. */
function formatQuantity(quantity: string): string {
  return quantity.includes('.') ? quantity.replace(/\.?0+$/, '') : quantity;
}

type CsvRow = Record<(typeof csvColumns)[number], string>;

function toRow(purchase: purchases.PurchaseRow, item: purchases.PurchaseItemRow): CsvRow {
  return {
    receipt_id: purchase.retailer_receipt_id ?? '',
    store: purchase.store_slug,
    location_id: purchase.location_id ?? '',
    purchased_at: purchase.purchased_at.toISOString(),
    currency: purchase.currency,
    name: item.name,
    gtin: item.gtin ?? '',
    brand: item.brand ?? '',
    category: item.category ?? '',
    quantity: formatQuantity(item.quantity),
    unit: item.unit,
    unit_price: formatMinorUnits(item.unit_price_cents),
    paid: formatMinorUnits(item.paid_cents),
    regular_price: item.regular_price_cents === null ? '' : formatMinorUnits(item.regular_price_cents),
    discount: formatMinorUnits(item.discount_cents),
  };
}

/** The CSV rows of one user's purchases matching the filter, newest first like the purchases list. */
async function* purchaseRows(
  db: Executor<DB>,
  userId: string,
  filter: PurchaseCsvFilter,
): AsyncGenerator<CsvRow> {
  let after: { purchasedAt: Date; id: string } | undefined;
  for (;;) {
    const page = await purchases.listPurchases(db, { userId, ...filter, after, limit: PAGE_SIZE });
    if (page.length === 0) return;
    const items = await purchases.listItemsOfPurchases(
      db,
      page.map((row) => row.id),
    );
    const byPurchase = new Map<string, purchases.PurchaseItemRow[]>();
    for (const item of items) {
      const lines = byPurchase.get(item.purchase_id);
      if (lines) lines.push(item);
      else byPurchase.set(item.purchase_id, [item]);
    }
    for (const purchase of page) {
      for (const item of byPurchase.get(purchase.id) ?? []) yield toRow(purchase, item);
    }
    if (page.length < PAGE_SIZE) return;
    const last = page.at(-1) as purchases.PurchaseRow;
    after = { purchasedAt: last.purchased_at, id: last.id };
  }
}

/**
 * Writes the CSV (header row first) to `destination`, reading the database only as fast as the
 * destination drains. Rejects when the database or the destination fails (a client gone midway).
 */
export async function writePurchasesCsv(
  database: Database<DB>,
  userId: string,
  filter: PurchaseCsvFilter,
  destination: Writable,
): Promise<void> {
  await pipeline(
    Readable.from(purchaseRows(database.db, userId, filter)),
    stringify({ header: true, columns: [...csvColumns], record_delimiter: '\n' }),
    destination,
  );
}

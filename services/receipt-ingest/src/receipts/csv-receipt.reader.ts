/**
 * Reads a receipt CSV as a stream (service-kit's `readCsvRows`: csv-parse, row cap, line numbers) into
 * normalized receipts. One row is one line item; rows sharing `receipt_id` (else the same `store` and
 * `purchased_at`) form one receipt. Every problem is collected with its CSV line number so the whole
 * file can be rejected at once. Columns are documented in the service README.
 */
import type { Readable } from 'node:stream';
import {
  type FieldIssue,
  findNul,
  isAmountInRange,
  MAX_AMOUNT_CENTS,
  nulIssue,
  parseMinorUnits,
  ReceiptIngestApi,
} from '@cartwatch/common-types';
import { readCsvRows } from '@cartwatch/service-kit';
import { completeItem, type NormalizedReceipt, type QuantityUnit } from './normalized-receipt.js';

export const csvColumns = [
  'receipt_id',
  'store',
  'location_id',
  'purchased_at',
  'currency',
  'name',
  'gtin',
  'brand',
  'category',
  'quantity',
  'unit',
  'unit_price',
  'paid',
  'regular_price',
  'discount',
] as const;
type CsvColumn = (typeof csvColumns)[number];
const requiredColumns: readonly CsvColumn[] = ['store', 'purchased_at', 'name', 'unit_price'];
const MAX_ISSUES = 200;

export interface CsvReadResult {
  receipts: NormalizedReceipt[];
  issues: FieldIssue[];
  rowCount: number;
}

const quantityUnits: ReadonlySet<string> = new Set(ReceiptIngestApi.quantityUnits);
const QUANTITY = /^\d{1,7}(?:\.\d{1,3})?$/;

export async function readReceiptCsv(
  input: Readable,
  options: { maxRows: number; defaultCurrency: string },
): Promise<CsvReadResult> {
  const issues: FieldIssue[] = [];
  const report = (issue: FieldIssue) => {
    if (issues.length < MAX_ISSUES) issues.push(issue);
  };
  const groups = new Map<string, NormalizedReceipt>();
  let rowCount = 0;
  let headerChecked = false;
  // Rows of one receipt repeat its store and time: validate each distinct value once.
  const slugs = new Map<string, boolean>();
  const validSlug = (text: string): boolean => {
    let valid = slugs.get(text);
    if (valid === undefined) {
      valid = ReceiptIngestApi.StoreSlug.safeParse(text).success;
      slugs.set(text, valid);
    }
    return valid;
  };
  const dates = new Map<string, Date>();
  const dateOf = (text: string): Date => {
    let date = dates.get(text);
    if (date === undefined) {
      date = new Date(text);
      dates.set(text, date);
    }
    return date;
  };

  const rows = readCsvRows(input, {
    maxRows: options.maxRows,
    columns: (header) => header.map((name) => name.trim().toLowerCase()),
  });
  for await (const { record, line } of rows) {
    if (!headerChecked) {
      headerChecked = true;
      const columns = Object.keys(record);
      const unknown = columns.filter((column) => !(csvColumns as readonly string[]).includes(column));
      const missing = requiredColumns.filter((column) => !columns.includes(column));
      for (const column of unknown)
        report({ path: `lines.1.${column}`, message: 'unknown column', code: 'unknown_column' });
      for (const column of missing)
        report({ path: `lines.1.${column}`, message: 'required column missing', code: 'missing_column' });
      // Leaving the loop stops the reader, which drops the rest of the body.
      if (unknown.length > 0 || missing.length > 0) return { receipts: [], issues, rowCount };
    }
    rowCount += 1;
    const path = `lines.${line}`;
    const value = (column: CsvColumn): string | undefined => {
      const text = record[column];
      return text === undefined || text === '' ? undefined : text;
    };
    const issuesBefore = issues.length;
    const fail = (column: CsvColumn, message: string, code = 'invalid_value') =>
      report({ path: `${path}.${column}`, message, code });
    // The NUL rule of every API string (service-kit applies it to JSON; a CSV cell is read here).
    const nulAt = findNul(record);
    if (nulAt !== undefined) {
      report(nulIssue(nulAt, path));
      continue;
    }

    const store = value('store');
    const storeValid = store !== undefined && validSlug(store);
    if (!storeValid) fail('store', store === undefined ? 'required' : 'not a store slug');
    const purchasedAtText = value('purchased_at');
    const purchasedAt = purchasedAtText === undefined ? undefined : dateOf(purchasedAtText);
    if (
      !purchasedAt ||
      Number.isNaN(purchasedAt.getTime()) ||
      !/^\d{4}-\d{2}-\d{2}/.test(purchasedAtText ?? '')
    ) {
      fail('purchased_at', 'ISO-8601 date-time required');
    }
    const currency = value('currency') ?? options.defaultCurrency;
    if (!/^[A-Z]{3}$/.test(currency)) fail('currency', 'ISO-4217 code');
    const locationId = value('location_id');
    if (locationId !== undefined && !/^[0-9a-f-]{36}$/i.test(locationId)) fail('location_id', 'not a UUID');
    const name = value('name');
    if (name === undefined) fail('name', 'required');
    else if (name.length > 300) fail('name', 'at most 300 characters');
    const gtin = value('gtin');
    if (gtin !== undefined && !/^\d{8,14}$/.test(gtin)) fail('gtin', 'GTIN digits (8-14)');
    const quantityText = value('quantity') ?? '1';
    const quantityMilli = QUANTITY.test(quantityText) ? Math.round(Number(quantityText) * 1000) : 0;
    if (quantityMilli <= 0) fail('quantity', 'positive decimal with at most 3 decimals');
    const unitText = value('unit') ?? 'ea';
    const unitValid = quantityUnits.has(unitText);
    if (!unitValid) fail('unit', `one of ${ReceiptIngestApi.quantityUnits.join(', ')}`);
    const money = (column: CsvColumn, required: boolean, allowNegative = false): number | undefined => {
      const text = value(column);
      if (text === undefined) {
        if (required) fail(column, 'required');
        return undefined;
      }
      const cents = parseMinorUnits(text);
      if (cents === undefined || (!allowNegative && cents < 0)) {
        fail(column, 'decimal amount like 3.99');
        return undefined;
      }
      if (!isAmountInRange(cents)) {
        fail(column, `at most ${MAX_AMOUNT_CENTS / 100} in magnitude`, 'too_big');
        return undefined;
      }
      return cents;
    };
    const unitPriceCents = money('unit_price', true);
    const paidCents = money('paid', false, true);
    const regularPriceCents = money('regular_price', false);
    const discountCents = money('discount', false);
    if (issues.length > issuesBefore || issues.length >= MAX_ISSUES) continue;

    const receiptId = value('receipt_id');
    const slug = store as string;
    const key = receiptId === undefined ? `at:${slug}:${purchasedAtText}` : `id:${slug}:${receiptId}`;
    let receipt = groups.get(key);
    if (!receipt) {
      receipt = {
        storeSlug: slug,
        locationId,
        purchasedAt: purchasedAt as Date,
        currency,
        retailerReceiptId: receiptId,
        items: [],
        source: 'csv',
        origin: { path: path, itemPaths: [] },
      };
      groups.set(key, receipt);
    } else if (receipt.currency !== currency) {
      fail('currency', `differs from the receipt's first line (${receipt.currency})`);
      continue;
    } else if (receipt.items.length >= ReceiptIngestApi.MAX_ITEMS_PER_RECEIPT) {
      report({
        path,
        message: `a receipt has at most ${ReceiptIngestApi.MAX_ITEMS_PER_RECEIPT} lines`,
        code: 'too_many_items',
      });
      continue;
    }
    receipt.items.push(
      completeItem({
        name: name as string,
        gtin,
        brand: value('brand'),
        category: value('category'),
        quantityMilli,
        unit: unitText as QuantityUnit,
        unitPriceCents: unitPriceCents as number,
        paidCents,
        regularPriceCents,
        discountCents,
      }),
    );
    receipt.origin.itemPaths.push(path);
  }
  if (!headerChecked) report({ path: 'lines', message: 'no rows', code: 'empty' });
  return { receipts: [...groups.values()], issues, rowCount };
}

/** The import paths: JSON receipts, CSV files and plain-text receipts, all recorded the same way. */
import type { Readable } from 'node:stream';
import { type ReceiptIngestApi, toCanonicalSize } from '@cartwatch/common-types';
import type { Database } from '@cartwatch/db';
import { AppError, CSV_REJECTED } from '@cartwatch/service-kit';
import type { z } from 'zod';
import type { DB } from '../db/schema.js';
import { getPurchase } from '../purchases/purchases.service.js';
import { readReceiptCsv } from './csv-receipt.reader.js';
import { completeItem, type NormalizedReceipt, toQuantityMilli } from './normalized-receipt.js';
import { recordReceipts } from './receipt-import.service.js';
import { parseTextReceipt } from './text-receipt.parser.js';

type ReceiptInput = z.infer<typeof ReceiptIngestApi.ReceiptInput>;
type ImportResult = z.infer<typeof ReceiptIngestApi.ImportResult>;
type BatchImportResult = z.infer<typeof ReceiptIngestApi.BatchImportResult>;

/** A documented JSON receipt as a normalized one; store sync reuses it with `source` `sync`. */
export function normalizeJsonReceipt(
  input: ReceiptInput,
  path = '',
  source: NormalizedReceipt['source'] = 'json',
): NormalizedReceipt {
  const prefix = path === '' ? '' : `${path}.`;
  return {
    storeSlug: input.storeSlug,
    locationId: input.locationId,
    purchasedAt: new Date(input.purchasedAt),
    currency: input.currency,
    retailerReceiptId: input.retailerReceiptId,
    totalCents: input.totalCents,
    source,
    items: input.items.map((item) =>
      completeItem({
        ...item,
        quantityMilli: toQuantityMilli(item.quantity),
        size: item.size && toCanonicalSize(item.size.value, item.size.unit),
      }),
    ),
    origin: { path, itemPaths: input.items.map((_, index) => `${prefix}items.${index}`) },
  };
}

async function resultFor(database: Database<DB>, userId: string, purchaseId: string, created: boolean) {
  return { created, purchase: await getPurchase(database, userId, purchaseId) };
}

export async function importReceipt(
  database: Database<DB>,
  userId: string,
  receipt: NormalizedReceipt,
): Promise<ImportResult> {
  const [recorded] = await recordReceipts(database, userId, [receipt]);
  if (!recorded) throw new Error('recordReceipts returned nothing');
  return resultFor(database, userId, recorded.purchaseId, recorded.created);
}

export async function importJsonBatch(
  database: Database<DB>,
  userId: string,
  inputs: readonly ReceiptInput[],
): Promise<BatchImportResult> {
  const recorded = await recordReceipts(
    database,
    userId,
    inputs.map((input, index) => normalizeJsonReceipt(input, `receipts.${index}`)),
  );
  return summarize(recorded);
}

function summarize(recorded: Awaited<ReturnType<typeof recordReceipts>>): BatchImportResult {
  return {
    itemCount: recorded.reduce((sum, row) => sum + row.itemCount, 0),
    purchases: recorded.map((row) => ({
      id: row.purchaseId,
      created: row.created,
      itemCount: row.itemCount,
    })),
  };
}

export async function importCsv(
  database: Database<DB>,
  userId: string,
  body: Readable,
  options: { maxRows: number; defaultCurrency: string },
): Promise<BatchImportResult> {
  // A malformed file or one past the row cap is rejected by the reader itself (naming the line).
  const read = await readReceiptCsv(body, options);
  if (read.issues.length > 0) throw AppError.validation(read.issues, CSV_REJECTED);
  return summarize(await recordReceipts(database, userId, read.receipts));
}

export async function importText(
  database: Database<DB>,
  userId: string,
  input: {
    storeSlug: string;
    locationId?: string | undefined;
    purchasedAt?: string | undefined;
    currency: string;
    text: string;
    source?: 'text' | 'email';
  },
): Promise<ImportResult> {
  const parsed = parseTextReceipt(input.text);
  if (parsed.items.length === 0) {
    throw AppError.unprocessable('no line items could be read from the receipt text', {
      unparsedLines: parsed.unparsedLines.slice(0, 50),
    });
  }
  return importReceipt(database, userId, {
    storeSlug: input.storeSlug,
    locationId: input.locationId,
    purchasedAt: input.purchasedAt ? new Date(input.purchasedAt) : (parsed.purchasedAt ?? new Date()),
    currency: input.currency,
    source: input.source ?? 'text',
    items: parsed.items,
    parseConfidence: parsed.confidence,
    unparsedLines: parsed.unparsedLines,
    sourceText: input.text,
    origin: { path: '', itemPaths: parsed.items.map((_, index) => `items.${index}`) },
  });
}

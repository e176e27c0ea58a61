/**
 * Receipts from photos: the upload (checked, hashed, stored as `queued`), the draft the OCR worker
 * writes (photo-worker.ts), the shopper's edits, and the confirmation into a purchase through the same
 * import path as every other receipt (recordReceipts), keyed by the photo's SHA-256 so the same photo
 * twice is one purchase.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FieldIssue, ReceiptIngestApi } from '@cartwatch/common-types';
import { type Database, newId } from '@cartwatch/db';
import { AppError } from '@cartwatch/service-kit';
import type { z } from 'zod';
import type { DB } from '../../db/schema.js';
import { getPurchase } from '../../purchases/purchases.service.js';
import * as stores from '../../stores/stores.repository.js';
import { completeItem, toQuantityMilli } from '../normalized-receipt.js';
import { importReceipt } from '../receipts.service.js';
import { inspectPhoto } from './image-input.js';
import * as photos from './photo.repository.js';
import type {
  ConfirmPhotoInput,
  DraftLine,
  PhotoDraft,
  PhotoDraftInput,
  PhotoReceipt,
} from './photo.schemas.js';

type ImportResult = z.infer<typeof ReceiptIngestApi.ImportResult>;

/** Reads the whole body, refusing it with 413 past `maxBytes` (a declared length is refused unread). */
export async function readPhotoBody(
  body: Readable & { headers?: Record<string, unknown> },
  maxBytes: number,
  onTooLarge: () => void,
): Promise<Buffer> {
  const tooLarge = () => {
    onTooLarge();
    return new AppError('PAYLOAD_TOO_LARGE', `the photo is larger than ${maxBytes} bytes`, { maxBytes });
  };
  const declared = Number(body.headers?.['content-length'] ?? 0);
  if (declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let seen = 0;
  for await (const chunk of body) {
    seen += (chunk as Buffer).length;
    if (seen > maxBytes) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function uploadPhoto(
  database: Database<DB>,
  userId: string,
  bytes: Buffer,
  maxPixels: number,
): Promise<{ id: string; status: PhotoReceipt['status']; duplicate: boolean }> {
  if (bytes.length === 0)
    throw AppError.unprocessable('the upload is empty: send the photo as the request body');
  const { type } = await inspectPhoto(bytes, maxPixels);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const inserted = await photos.insertPhoto(database.db, {
    id: newId(),
    user_id: userId,
    status: 'queued',
    image: bytes,
    image_type: type,
    image_sha256: sha256,
    byte_size: bytes.length,
  });
  if (inserted) return { id: inserted.id, status: 'queued', duplicate: false };
  const existing = await photos.findByHash(database.db, userId, sha256);
  if (!existing) throw new Error('photo neither inserted nor found');
  return { id: existing.id, status: existing.status, duplicate: true };
}

function toApi(row: photos.PhotoSummaryRow): PhotoReceipt {
  return {
    id: row.id,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    processedAt: row.processed_at?.toISOString() ?? null,
    error: row.status === 'failed' ? row.error_message : null,
    hasImage: row.has_image,
    keepPhoto: row.keep_photo,
    purchaseId: row.purchase_id,
    draft: (row.draft as PhotoDraft | null) ?? null,
  };
}

async function findOr404(database: Database<DB>, userId: string, id: string) {
  const row = await photos.findPhoto(database.db, userId, id);
  if (!row) throw AppError.notFound('photo receipt');
  return row;
}

export async function getPhoto(database: Database<DB>, userId: string, id: string): Promise<PhotoReceipt> {
  return toApi(await findOr404(database, userId, id));
}

export async function getPhotoImage(
  database: Database<DB>,
  userId: string,
  id: string,
): Promise<{ image: Buffer; type: string }> {
  const row = await photos.findImage(database.db, userId, id);
  if (!row) throw AppError.notFound('photo receipt');
  if (!row.image) throw AppError.notFound('photo (it was deleted after the purchase was recorded)');
  return { image: row.image, type: row.image_type };
}

const editable = new Set(['ready', 'no_receipt']);

function sameLine(a: DraftLine, b: Omit<DraftLine, 'id' | 'confidence' | 'region' | 'edited'>): boolean {
  return (
    a.name === b.name &&
    a.quantity === b.quantity &&
    a.unit === b.unit &&
    a.unitPriceCents === b.unitPriceCents &&
    a.paidCents === b.paidCents &&
    a.discountCents === b.discountCents &&
    a.gtin === b.gtin
  );
}

/** Replaces the draft's store, date, currency and lines (edit, add, delete) with the shopper's. */
export async function updateDraft(
  database: Database<DB>,
  userId: string,
  id: string,
  input: z.infer<typeof PhotoDraftInput>,
): Promise<PhotoReceipt> {
  const row = await findOr404(database, userId, id);
  if (!editable.has(row.status) || row.draft === null) {
    throw AppError.conflict(`the draft cannot be edited while it is ${row.status}`, { status: row.status });
  }
  if (input.storeSlug !== null) {
    const retailer = await stores.findRetailerBySlug(database.db, input.storeSlug);
    if (!retailer) {
      throw AppError.validation([
        { path: 'storeSlug', message: `unknown store ${input.storeSlug}`, code: 'unknown_store' },
      ]);
    }
    if (input.locationId && !(await stores.findLocation(database.db, retailer.id, input.locationId))) {
      throw AppError.validation([
        { path: 'locationId', message: `not a location of ${input.storeSlug}`, code: 'unknown_location' },
      ]);
    }
  }
  const draft = row.draft as PhotoDraft;
  const previous = new Map(draft.lines.map((line) => [line.id, line]));
  const lines: DraftLine[] = input.lines.map((line) => {
    const values = {
      name: line.name,
      quantity: line.quantity,
      unit: line.unit,
      unitPriceCents: line.unitPriceCents,
      paidCents: line.paidCents,
      discountCents: line.discountCents,
      gtin: line.gtin ?? null,
    };
    const before = line.id === undefined ? undefined : previous.get(line.id);
    if (before && sameLine(before, values)) return before;
    return {
      id: before?.id ?? randomUUID(),
      ...values,
      confidence: 1,
      region: before?.region ?? null,
      edited: true,
    };
  });
  const next: PhotoDraft = {
    ...draft,
    storeSlug: input.storeSlug,
    locationId: input.storeSlug === null ? null : (input.locationId ?? null),
    storeMatchedBy: input.storeSlug === draft.storeSlug ? draft.storeMatchedBy : null,
    purchasedAt: input.purchasedAt === null ? null : new Date(input.purchasedAt).toISOString(),
    currency: input.currency,
    lines,
  };
  await photos.updatePhoto(database.db, userId, id, {
    draft: JSON.stringify(next),
    status: lines.length > 0 ? 'ready' : row.status,
  });
  return getPhoto(database, userId, id);
}

/** Records the draft as a purchase (idempotent: the photo's hash is the key), then deletes the photo unless kept. */
export async function confirmPhoto(
  database: Database<DB>,
  userId: string,
  id: string,
  input: z.infer<typeof ConfirmPhotoInput>,
): Promise<ImportResult> {
  const row = await findOr404(database, userId, id);
  if (row.status === 'confirmed' && row.purchase_id !== null) {
    return importReceiptResult(database, userId, row.purchase_id);
  }
  if (!editable.has(row.status) || row.draft === null) {
    throw AppError.conflict(`the draft cannot be confirmed while it is ${row.status}`, {
      status: row.status,
    });
  }
  const draft = row.draft as PhotoDraft;
  const issues: FieldIssue[] = [];
  if (draft.storeSlug === null)
    issues.push({
      path: 'storeSlug',
      message: 'no store was recognised: set it in the draft',
      code: 'required',
    });
  if (draft.lines.length === 0)
    issues.push({ path: 'lines', message: 'the draft has no lines: add them first', code: 'too_small' });
  if (issues.length > 0) throw AppError.validation(issues, 'the draft is not complete; nothing was imported');

  const result = await importReceipt(database, userId, {
    storeSlug: draft.storeSlug as string,
    locationId: draft.locationId ?? undefined,
    purchasedAt: draft.purchasedAt ? new Date(draft.purchasedAt) : row.created_at,
    currency: draft.currency,
    source: 'photo',
    idempotencyKey: `photo:${row.image_sha256}`,
    parseConfidence: draft.confidence,
    unparsedLines: draft.unparsedLines,
    items: draft.lines.map((line) =>
      completeItem({
        name: line.name,
        gtin: line.gtin ?? undefined,
        quantityMilli: toQuantityMilli(line.quantity),
        unit: line.unit,
        unitPriceCents: line.unitPriceCents,
        paidCents: line.paidCents,
        discountCents: line.discountCents,
      }),
    ),
    origin: { path: 'draft', itemPaths: draft.lines.map((_, index) => `draft.lines.${index}`) },
  });
  await photos.updatePhoto(database.db, userId, id, {
    status: 'confirmed',
    purchase_id: result.purchase.id,
    confirmed_at: new Date(),
    keep_photo: input.keepPhoto,
    ...(input.keepPhoto ? {} : { image: null }),
  });
  return result;
}

async function importReceiptResult(database: Database<DB>, userId: string, purchaseId: string) {
  return { created: false, purchase: await getPurchase(database, userId, purchaseId) };
}

export async function deletePhoto(database: Database<DB>, userId: string, id: string): Promise<void> {
  if (!(await photos.deletePhoto(database.db, userId, id))) throw AppError.notFound('photo receipt');
}

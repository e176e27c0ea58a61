/** Request and response schemas of the photo-receipt routes; the OpenAPI document registers these. */
import { ReceiptIngestApi } from '@cartwatch/common-types';
import { z } from 'zod';

export const PhotoStatus = z
  .enum(['queued', 'processing', 'ready', 'no_receipt', 'failed', 'confirmed'])
  .meta({ id: 'PhotoReceiptStatus' });

/** Where on the photo a line was read: fractions (0..1) of the orientation-corrected image. */
export const ImageRegion = z
  .object({
    x: z.number().min(0).max(1),
    y: z.number().min(0).max(1),
    width: z.number().min(0).max(1),
    height: z.number().min(0).max(1),
  })
  .meta({ id: 'ImageRegion' });

const Cents = z.number().int().min(-100_000_000).max(100_000_000);

export const DraftLine = z
  .object({
    id: z.string(),
    name: z.string(),
    quantity: z.number(),
    unit: ReceiptIngestApi.QuantityUnit,
    unitPriceCents: Cents,
    paidCents: Cents,
    discountCents: Cents,
    gtin: z.string().nullable(),
    /** 0..1 from the OCR word confidences of the line's text (1 once the shopper edited it). */
    confidence: z.number().min(0).max(1),
    region: ImageRegion.nullable(),
    edited: z.boolean(),
  })
  .meta({ id: 'PhotoDraftLine' });

export const PhotoDraft = z
  .object({
    storeSlug: z.string().nullable(),
    locationId: z.string().nullable(),
    /** How the store was recognised (a location's `address` or `phone`, or the retailer's `name`), null when it was not. */
    storeMatchedBy: z.enum(['name', 'address', 'phone']).nullable(),
    purchasedAt: z.string().nullable(),
    currency: z.string(),
    lines: z.array(DraftLine),
    /** Text lines inside the item area the parser could not read. */
    unparsedLines: z.array(z.object({ lineNo: z.number().int(), text: z.string() })),
    /** The parser's confidence (0..1) in the whole receipt. */
    confidence: z.number().min(0).max(1),
    /** The OCR text, for review. */
    text: z.string(),
    imageWidth: z.number().int(),
    imageHeight: z.number().int(),
  })
  .meta({ id: 'PhotoDraft' });
export type PhotoDraft = z.infer<typeof PhotoDraft>;
export type DraftLine = z.infer<typeof DraftLine>;

export const PhotoReceipt = z
  .object({
    id: z.string(),
    status: PhotoStatus,
    createdAt: z.string(),
    processedAt: z.string().nullable(),
    /** Why OCR failed (status `failed`). */
    error: z.string().nullable(),
    hasImage: z.boolean(),
    keepPhoto: z.boolean(),
    purchaseId: z.string().nullable(),
    draft: PhotoDraft.nullable(),
  })
  .meta({ id: 'PhotoReceipt' });
export type PhotoReceipt = z.infer<typeof PhotoReceipt>;

export const PhotoAccepted = z
  .object({ id: z.string(), status: PhotoStatus, duplicate: z.boolean() })
  .meta({ id: 'PhotoAccepted' });

export const DraftLineInput = z.strictObject({
  /** The id of a line of the draft this one replaces (keeps its image region); absent for a new line. */
  id: z.string().max(64).optional(),
  name: z.string().trim().min(1).max(300),
  quantity: z.number().positive().max(100_000),
  unit: ReceiptIngestApi.QuantityUnit.default('ea'),
  unitPriceCents: Cents,
  paidCents: Cents,
  discountCents: Cents.min(0).default(0),
  gtin: z
    .string()
    .regex(/^\d{8}$|^\d{12,14}$/, 'a GTIN of 8, 12, 13 or 14 digits')
    .nullable()
    .optional(),
});

export const PhotoDraftInput = z
  .strictObject({
    storeSlug: ReceiptIngestApi.StoreSlug.nullable(),
    locationId: z.uuid().nullable().optional(),
    purchasedAt: z.iso.datetime({ offset: true }).nullable(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    lines: z.array(DraftLineInput).max(500),
  })
  .meta({ id: 'PhotoDraftInput' });

export const ConfirmPhotoInput = z
  .strictObject({
    /** Keep the photo after the purchase is recorded (default: it is deleted). */
    keepPhoto: z.boolean().default(false),
  })
  .meta({ id: 'ConfirmPhotoInput' });

export const PhotoIdParams = z.object({ id: z.uuid() });

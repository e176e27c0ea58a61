/**
 * Request and response schemas of receipt-ingest (retailers, purchases, receipt import). The service
 * validates with these and registers them in its OpenAPI document.
 */
import { z } from 'zod';
import { LineKind } from '../events.js';
import { StoreSlug, Timestamp, Uuid } from '../ids.js';
import { AmountCents, Currency, MinorUnits } from '../money.js';
import { PaginationQuery } from '../pagination.js';
import { SizeUnit } from '../sizes.js';

export const ingestionMethods = ['json', 'csv', 'text', 'email', 'sync', 'photo'] as const;
export const IngestionMethod = z.enum(ingestionMethods);

export { StoreSlug };

export const Retailer = z
  .object({
    slug: StoreSlug,
    name: z.string(),
    website: z.string().nullable(),
    ingestionMethods: z.array(IngestionMethod),
  })
  .meta({ id: 'Retailer' });

export const CreateRetailer = z
  .strictObject({
    slug: StoreSlug,
    name: z.string().trim().min(1).max(200),
    website: z
      .url({ protocol: /^https?$/ })
      .max(500)
      .optional(),
    ingestionMethods: z.array(IngestionMethod).min(1).max(ingestionMethods.length),
  })
  .meta({ id: 'CreateRetailer' });

export const StoreLocation = z
  .object({
    id: Uuid,
    storeSlug: StoreSlug,
    name: z.string(),
    addressLine: z.string().nullable(),
    city: z.string().nullable(),
    region: z.string().nullable(),
    postalCode: z.string().nullable(),
    country: z.string(),
    /** The telephone number printed on the location's receipts (photo receipts recognise the store by it). */
    phone: z.string().nullable(),
  })
  .meta({ id: 'StoreLocation' });

export const CreateStoreLocation = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    addressLine: z.string().trim().min(1).max(300).optional(),
    city: z.string().trim().min(1).max(120).optional(),
    region: z.string().trim().min(1).max(120).optional(),
    postalCode: z.string().trim().min(1).max(20).optional(),
    country: z.string().regex(/^[A-Z]{2}$/, 'ISO-3166 alpha-2 code'),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[\d\s()./-]{6,30}$/, 'a telephone number: digits, spaces and + ( ) . / -')
      .refine((value) => value.replace(/\D/g, '').length >= 7, 'at least 7 digits')
      .optional(),
  })
  .meta({ id: 'CreateStoreLocation' });

export const StoreSlugParams = z.strictObject({ slug: StoreSlug });
export const ListQuery = PaginationQuery.strict();

/** Quantities are decimals: units bought, or the weight of weighed goods (at most 3 decimals). */
export const Quantity = z
  .number()
  .positive()
  .max(1_000_000)
  .refine((value) => Math.abs(Math.round(value * 1000) - value * 1000) < 1e-6, 'at most 3 decimals')
  .describe('Units bought, or the weight for weighed goods (up to 3 decimals)');

export const quantityUnits = ['ea', 'kg', 'g', 'lb', 'oz', 'l', 'ml'] as const;
export const QuantityUnit = z.enum(quantityUnits);

const Gtin = z.string().regex(/^\d{8,14}$/, 'GTIN digits (UPC-A, EAN-8/13, GTIN-14)');
const NonNegativeCents = AmountCents.min(0);

export const ReceiptItemInput = z
  .strictObject({
    name: z.string().trim().min(1).max(300),
    gtin: Gtin.optional(),
    brand: z.string().trim().min(1).max(200).optional(),
    category: z.string().trim().min(1).max(120).optional(),
    quantity: Quantity.default(1),
    unit: QuantityUnit.default('ea'),
    unitPriceCents: NonNegativeCents,
    paidCents: AmountCents.optional().describe(
      'What the line cost after discounts; default quantity x unit price. Negative: a return (money ' +
        'back for `quantity` units brought back), recorded with `kind: "return"` and no discount',
    ),
    regularPriceCents: NonNegativeCents.optional(),
    discountCents: NonNegativeCents.optional(),
    size: z
      .strictObject({ value: z.number().positive().max(1_000_000), unit: SizeUnit })
      .optional()
      .describe(
        'Pack size as printed on the label, e.g. `{ "value": 16, "unit": "oz" }`: price-watch records unit ' +
          'prices with it and shrinkflation compares pack sizes',
      ),
  })
  .meta({ id: 'ReceiptItemInput' });

export const MAX_ITEMS_PER_RECEIPT = 1_000;

export const ReceiptInput = z
  .strictObject({
    storeSlug: StoreSlug,
    locationId: Uuid.optional(),
    purchasedAt: Timestamp.describe('At most a day ahead of the server clock'),
    currency: Currency,
    retailerReceiptId: z.string().trim().min(1).max(200).optional(),
    totalCents: AmountCents.optional().describe('When given, must equal the sum of the lines paid'),
    items: z.array(ReceiptItemInput).min(1).max(MAX_ITEMS_PER_RECEIPT),
  })
  .meta({ id: 'ReceiptInput' });
export type ReceiptInput = z.infer<typeof ReceiptInput>;

export const ReceiptBatchInput = z
  .strictObject({ receipts: z.array(ReceiptInput).min(1).max(100) })
  .meta({ id: 'ReceiptBatchInput' });

export const TextReceiptInput = z
  .strictObject({
    storeSlug: StoreSlug,
    locationId: Uuid.optional(),
    purchasedAt: Timestamp.optional().describe(
      'Defaults to the date printed on the receipt, else now; at most a day ahead of the server clock',
    ),
    currency: Currency.default('USD'),
    text: z.string().min(1).max(200_000),
  })
  .meta({ id: 'TextReceiptInput' });

export const PurchaseItem = z
  .object({
    lineId: Uuid,
    lineNo: z.number().int(),
    name: z.string(),
    gtin: z.string().nullable(),
    brand: z.string().nullable(),
    category: z.string().nullable(),
    quantity: z.number(),
    unit: QuantityUnit,
    unitPriceCents: MinorUnits,
    paidCents: MinorUnits,
    regularPriceCents: MinorUnits.nullable(),
    discountCents: MinorUnits,
    kind: LineKind.describe('`return` for a line with a negative `paidCents` (goods brought back)'),
    productId: Uuid.nullable(),
  })
  .meta({ id: 'PurchaseLineItem' });

export const UnparsedLine = z
  .object({ lineNo: z.number().int(), text: z.string() })
  .meta({ id: 'UnparsedLine' });

export const PurchaseSummary = z
  .object({
    id: Uuid,
    storeSlug: StoreSlug,
    locationId: Uuid.nullable(),
    purchasedAt: Timestamp,
    currency: Currency,
    totalCents: MinorUnits,
    savingsCents: MinorUnits,
    itemCount: z.number().int(),
    source: IngestionMethod,
    retailerReceiptId: z.string().nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: 'PurchaseSummary' });

export const Purchase = PurchaseSummary.extend({
  parseConfidence: z.number().min(0).max(1).nullable(),
  unparsedLines: z.array(UnparsedLine),
  items: z.array(PurchaseItem),
}).meta({ id: 'Purchase' });

export const ImportResult = z
  .object({
    created: z.boolean().describe('false when the receipt had been imported before (idempotent re-import)'),
    purchase: Purchase,
  })
  .meta({ id: 'ImportResult' });

export const BatchImportResult = z
  .object({
    itemCount: z.number().int().describe('Line items across all receipts of the request'),
    purchases: z.array(z.object({ id: Uuid, created: z.boolean(), itemCount: z.number().int() })),
  })
  .meta({ id: 'BatchImportResult' });

export const PurchaseListQuery = PaginationQuery.extend({
  store: StoreSlug.optional(),
  from: Timestamp.optional(),
  to: Timestamp.optional(),
  text: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe('Matches purchases with an item whose name contains it'),
}).strict();

/** The purchases list's filters without paging: what `GET /purchases/export.csv` writes. */
export const PurchaseExportQuery = PurchaseListQuery.omit({ limit: true, cursor: true }).strict();

export const PurchaseIdParams = z.strictObject({ id: Uuid });

export const statsGroupings = ['store', 'category', 'month'] as const;
export const PurchaseStatsQuery = z.strictObject({
  groupBy: z.enum(statsGroupings),
  from: Timestamp.optional(),
  to: Timestamp.optional(),
});

export const PurchaseStats = z
  .object({
    groupBy: z.enum(statsGroupings),
    groups: z.array(
      z.object({
        key: z.string().describe('Store slug, category (`uncategorized` when unknown) or `YYYY-MM` (UTC)'),
        currency: Currency,
        spendCents: MinorUnits,
        savingsCents: MinorUnits,
        itemCount: z.number().int().describe('Line items'),
        purchaseCount: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'PurchaseStats' });

export const InboundAddress = z.object({ address: z.string() }).meta({ id: 'InboundAddress' });

export const InboundEmail = z
  .strictObject({
    to: z.string().min(3).max(320),
    from: z.string().min(3).max(320),
    subject: z.string().max(1000).default(''),
    text: z.string().min(1).max(200_000),
    messageId: z.string().max(500).optional(),
  })
  .meta({ id: 'InboundEmail' });

export const ConnectStore = z
  .strictObject({
    username: z.string().min(1).max(320),
    password: z.string().min(1).max(1024),
  })
  .meta({ id: 'ConnectStore' });

/**
 * Why a store sync failed. `LOGIN_FAILED`: the retailer refused the credentials (the account must be
 * re-connected; never retried). `PARSE_FAILED`: the site did not look as the adapter expects (it
 * changed; not retried). `BLOCKED`: rate-limited or a captcha. `NETWORK`: the site could not be reached
 * or timed out. `INTERNAL`: CartWatch's own failure. The last three are retried with backoff.
 */
export const syncErrorCodes = ['LOGIN_FAILED', 'PARSE_FAILED', 'BLOCKED', 'NETWORK', 'INTERNAL'] as const;
export const SyncErrorCode = z.enum(syncErrorCodes);

/** `reconnect_required`: the retailer refused the stored credentials; no sync runs until re-connected. */
export const storeAccountStatuses = ['connected', 'syncing', 'error', 'reconnect_required'] as const;

export const StoreAccount = z
  .object({
    storeSlug: StoreSlug,
    storeName: z.string(),
    status: z.enum(storeAccountStatuses),
    lastSyncAt: Timestamp.nullable(),
    lastErrorCode: SyncErrorCode.nullable(),
    connectedAt: Timestamp,
  })
  .meta({ id: 'StoreAccount' });

export const syncJobStates = ['queued', 'running', 'succeeded', 'failed'] as const;
export const SyncJobState = z.enum(syncJobStates);

export const SyncJob = z
  .object({
    id: Uuid,
    storeSlug: StoreSlug,
    trigger: z.enum(['manual', 'scheduled']),
    state: SyncJobState,
    attempt: z.number().int().describe('Runs started so far (retries included)'),
    maxAttempts: z.number().int(),
    runAfter: Timestamp.describe('Earliest start (later than creation while backing off)'),
    startedAt: Timestamp.nullable(),
    finishedAt: Timestamp.nullable(),
    errorCode: SyncErrorCode.nullable().describe('Of the last failed run (kept while a retry is queued)'),
    errorMessage: z.string().nullable(),
    importedCount: z.number().int().describe('Receipts recorded as new purchases'),
    alreadyKnownCount: z.number().int().describe('Receipts found that had been imported before'),
    createdAt: Timestamp,
  })
  .meta({ id: 'SyncJob' });

export const SyncJobIdParams = z.strictObject({ id: Uuid });

export const SyncAccountStatus = z
  .object({
    storeSlug: StoreSlug,
    storeName: z.string(),
    accountStatus: z.enum(storeAccountStatuses),
    state: SyncJobState.nullable().describe('State of the latest sync job; null before the first one'),
    jobId: Uuid.nullable(),
    lastRunAt: Timestamp.nullable().describe('When the latest finished job ended'),
    lastSuccessAt: Timestamp.nullable(),
    nextRunAt: Timestamp.nullable().describe(
      'When the next sync may start: a queued job, else the next periodic one; null when none is planned',
    ),
    errorCode: SyncErrorCode.nullable(),
    errorMessage: z.string().nullable(),
    importedCount: z.number().int().describe('Of the latest job'),
    alreadyKnownCount: z.number().int().describe('Of the latest job'),
  })
  .meta({ id: 'SyncAccountStatus' });

/**
 * Request and response schemas of price-watch (catalog, prices, public reads, inflation, alerts,
 * watches). Routes validate with these and register them in the OpenAPI document.
 */
import { z } from 'zod';
import { Timestamp, Uuid } from '../ids.js';
import { AmountCents, Currency, MinorUnits } from '../money.js';
import { BooleanQuery, PaginationQuery } from '../pagination.js';
import { PackSize } from '../sizes.js';

const GtinInput = z.string().regex(/^\d{8,14}$/, 'GTIN digits (UPC-A, EAN-8/13, GTIN-14)');
const StoreSlug = z.string().min(1).max(100);
const IsoDate = z.iso.date();

export const ProductParams = z.strictObject({ id: Uuid });

export const Product = z
  .object({
    id: Uuid,
    name: z.string(),
    brand: z.string().nullable(),
    category: z.string().nullable(),
    size: PackSize.nullable(),
    gtins: z.array(z.string()).describe('GTIN-14 keys of the product'),
    mergedIntoId: Uuid.nullable().describe('Set when an admin merged this product into another'),
    createdAt: Timestamp,
  })
  .meta({ id: 'Product' });
export type Product = z.infer<typeof Product>;

export const UnitPrice = z
  .object({
    amountCents: MinorUnits,
    currency: Currency,
    per: PackSize.describe('1 kg, 1 l or 1 piece'),
  })
  .meta({ id: 'UnitPrice' });

export const StorePrice = z
  .object({
    storeSlug: z.string(),
    priceCents: MinorUnits,
    regularPriceCents: MinorUnits.nullable(),
    currency: Currency,
    isSale: z.boolean(),
    unitPrice: UnitPrice.nullable(),
    observedAt: Timestamp,
  })
  .meta({ id: 'StorePrice' });

export const ProductDetail = Product.extend({
  prices: z.array(StorePrice).describe('Latest price per store'),
  cheapestStore: z.string().nullable().describe('Store with the lowest latest price (unit price when known)'),
}).meta({ id: 'ProductDetail' });

export const ProductListQuery = z.strictObject({
  ...PaginationQuery.shape,
  q: z.string().trim().min(1).max(200).optional(),
  mine: BooleanQuery.optional().describe(
    'true: only products the caller bought, most bought first (the products screen before a search)',
  ),
  category: z.string().min(1).max(100).optional(),
  store: StoreSlug.optional(),
});

export const ProductPage = z.object({ items: z.array(Product), nextCursor: z.string().nullable() }).meta({
  id: 'ProductPage',
});

export const PriceInterval = z.enum(['day', 'week', 'month']);
export const PriceSeriesQuery = z
  .strictObject({
    store: StoreSlug.optional(),
    from: IsoDate.optional(),
    to: IsoDate.optional(),
    interval: PriceInterval.default('day'),
  })
  .refine((query) => !query.from || !query.to || query.from <= query.to, {
    message: 'from must not be after to',
    path: ['from'],
  });

export const PricePoint = z
  .object({
    period: IsoDate.describe('First day of the interval (UTC)'),
    minCents: MinorUnits,
    avgCents: MinorUnits,
    maxCents: MinorUnits,
    count: z.number().int(),
  })
  .meta({ id: 'PricePoint' });

/** A point of a shopper's own chart (docs/price-watch.md, "What a shopper sees"). */
export const ChartPoint = PricePoint.extend({
  ownCount: z
    .number()
    .int()
    .describe(
      "How many of the point's prices are the caller's own observations; the others are shared prices (one per store and day)",
    ),
}).meta({ id: 'ChartPoint' });

export const PriceSeries = z
  .object({
    productId: Uuid,
    interval: PriceInterval,
    store: z.string().nullable(),
    currency: Currency.nullable(),
    points: z.array(ChartPoint),
  })
  .meta({ id: 'PriceSeries' });

export const ResolveProductQuery = z.strictObject({ gtin: GtinInput });

/** orders' find-or-create of the product a store sells under a GTIN. */
export const ResolveProductBody = z.strictObject({
  gtin: GtinInput,
  name: z.string().trim().min(1).max(300).optional().describe('Creates the product when the GTIN is unknown'),
  brand: z.string().trim().min(1).max(200).optional(),
});

export const ResolvedProduct = z.object({ productId: Uuid, created: z.boolean() });

export const MergeProductBody = z.strictObject({
  targetProductId: Uuid.describe('The product that survives; this one is kept as merged into it'),
});

export const SplitProductBody = z
  .strictObject({
    lineIds: z.array(Uuid).max(1000).default([]).describe('Purchase lines wrongly matched to this product'),
    gtins: z.array(GtinInput).max(100).default([]).describe('GTINs that belong to another product'),
    name: z.string().min(1).max(300),
    brand: z.string().min(1).max(200).optional(),
    category: z.string().min(1).max(100).optional(),
    size: PackSize.optional(),
  })
  .refine((body) => body.lineIds.length + body.gtins.length > 0, {
    message: 'name at least one purchase line or GTIN to move',
    path: ['lineIds'],
  });

export const Period = z.enum(['30d', '90d', '365d']);

export const TrendsQuery = z.strictObject({
  category: z.string().min(1).max(100).optional(),
  period: Period.default('90d'),
});
export const CategoryTrend = z
  .object({
    category: z.string(),
    currency: Currency,
    productCount: z.number().int(),
    changePct: z.number().describe('Geometric mean of per-product price changes over the period, in %'),
  })
  .meta({ id: 'CategoryTrend' });
export const TrendsResponse = z
  .object({ period: Period, from: IsoDate, to: IsoDate, items: z.array(CategoryTrend) })
  .meta({ id: 'TrendsResponse' });

export const IncreasesQuery = z.strictObject({
  ...PaginationQuery.shape,
  since: IsoDate,
  minPct: z.coerce.number().min(0).max(10_000).default(5),
});
export const PriceIncrease = z
  .object({
    productId: Uuid,
    name: z.string(),
    currency: Currency,
    fromAvgCents: MinorUnits,
    toAvgCents: MinorUnits,
    changePct: z.number(),
  })
  .meta({ id: 'PriceIncrease' });
export const PriceIncreasePage = z
  .object({ items: z.array(PriceIncrease), nextCursor: z.string().nullable() })
  .meta({ id: 'PriceIncreasePage' });

const ProductIdList = (max: number) =>
  z
    .string()
    .transform((text) => [...new Set(text.split(',').map((part) => part.trim()))].filter(Boolean))
    .pipe(z.array(Uuid).min(1).max(max));

export const ComparisonQuery = z.strictObject({ productIds: ProductIdList(50) });
export const PublicComparisonQuery = z.strictObject({
  productIds: ProductIdList(20).describe('Comma-separated product ids, at most 20'),
});
export const StoreBasket = z
  .object({
    storeSlug: z.string(),
    currency: Currency,
    totalCents: MinorUnits.describe('Sum of the latest prices of the products this store has'),
    pricedCount: z.number().int(),
    missingProductIds: z.array(Uuid),
    prices: z.array(z.object({ productId: Uuid, priceCents: MinorUnits, observedAt: Timestamp })),
  })
  .meta({ id: 'StoreBasket' });
export const StoreComparison = z
  .object({
    productIds: z.array(Uuid),
    stores: z.array(StoreBasket).describe('Stores with every product first, then by total'),
    cheapestCompleteStore: z.string().nullable(),
  })
  .meta({ id: 'StoreComparison' });

export const SuspiciousPriceQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const SuspiciousPrice = z
  .object({
    observationId: Uuid,
    productId: Uuid,
    name: z.string(),
    storeSlug: z.string(),
    priceCents: MinorUnits,
    currency: Currency,
    sharedPriceCents: MinorUnits.describe(
      'The shared price of the product at the store (docs/price-watch.md)',
    ),
    deviationPct: z.number().describe('The receipt price against the shared price, in percent'),
    contributorId: Uuid.nullable().describe(
      'The account (or a deleted account’s pseudonym) whose receipt it is',
    ),
    observedAt: Timestamp,
  })
  .meta({ id: 'SuspiciousPrice' });
export const SuspiciousPriceList = z
  .object({ items: z.array(SuspiciousPrice) })
  .meta({ id: 'SuspiciousPriceList' });

export const PublicTrendParams = z.strictObject({ productId: Uuid });
export const PublicTrendQuery = z.strictObject({ period: Period.default('90d') });
export const PublicTrend = z
  .object({
    productId: Uuid,
    name: z.string(),
    period: Period,
    currency: Currency.nullable(),
    points: z.array(PricePoint),
    changePct: z.number().nullable().describe('Last day average against the first, in %'),
  })
  .meta({ id: 'PublicTrend' });

export const InflationCategory = z.enum([
  'food-at-home',
  'cereals-bakery',
  'meat-poultry-fish-eggs',
  'dairy',
  'fruits-vegetables',
  'beverages',
  'other-food',
  'all-items',
]);

/**
 * The product category taxonomy and its BLS CPI category (docs/price-watch.md, "Category taxonomy"):
 * the one declared mapping the inflation basket (docs/inflation.md) and admins' product edits use.
 * `null`: not food, in no food basket (only `food-at-home` and `all-items`, which take every product).
 */
export const productCategoryTaxonomy = {
  bakery: 'cereals-bakery',
  bread: 'cereals-bakery',
  cereal: 'cereals-bakery',
  cereals: 'cereals-bakery',
  pasta: 'cereals-bakery',
  rice: 'cereals-bakery',
  flour: 'cereals-bakery',
  meat: 'meat-poultry-fish-eggs',
  poultry: 'meat-poultry-fish-eggs',
  fish: 'meat-poultry-fish-eggs',
  seafood: 'meat-poultry-fish-eggs',
  eggs: 'meat-poultry-fish-eggs',
  dairy: 'dairy',
  milk: 'dairy',
  cheese: 'dairy',
  yogurt: 'dairy',
  butter: 'dairy',
  produce: 'fruits-vegetables',
  fruit: 'fruits-vegetables',
  fruits: 'fruits-vegetables',
  vegetables: 'fruits-vegetables',
  'fruits-vegetables': 'fruits-vegetables',
  beverages: 'beverages',
  drinks: 'beverages',
  coffee: 'beverages',
  tea: 'beverages',
  juice: 'beverages',
  soda: 'beverages',
  snacks: 'other-food',
  sweets: 'other-food',
  condiments: 'other-food',
  spices: 'other-food',
  frozen: 'other-food',
  // BLS's "other food at home" is where sauces, oils and fats go: the demo's pasta sauce, rice, oil.
  pantry: 'other-food',
  other: 'other-food',
  household: null,
  'personal-care': null,
  pet: null,
} as const satisfies Record<
  string,
  Exclude<z.infer<typeof InflationCategory>, 'food-at-home' | 'all-items'> | null
>;
export const ProductCategory = z
  .enum(Object.keys(productCategoryTaxonomy) as [keyof typeof productCategoryTaxonomy])
  .meta({ id: 'ProductCategory' });
export const ProductCategoryList = z
  .object({
    items: z.array(
      z.object({
        category: ProductCategory,
        cpiCategory: InflationCategory.nullable().describe('The BLS CPI category whose basket it is in'),
      }),
    ),
  })
  .meta({ id: 'ProductCategoryList' });

export const ProductAttribute = z.enum(['brand', 'category', 'size']).meta({ id: 'ProductAttribute' });

/** Admins' edit of a product's attributes: a value wins over the evidence until `clear` names it. */
export const ProductUpdate = z
  .strictObject({
    brand: z.string().trim().min(1).max(200).nullable().optional(),
    category: ProductCategory.nullable().optional(),
    size: PackSize.nullable().optional(),
    clear: z
      .array(ProductAttribute)
      .max(3)
      .optional()
      .describe('Attributes to hand back to the evidence (store catalog, receipts)'),
  })
  .refine((value) => Object.keys(value).length > 0, { message: 'nothing to update' })
  .refine((value) => !(value.clear ?? []).some((attribute) => value[attribute] !== undefined), {
    message: 'an attribute is either set or cleared',
    path: ['clear'],
  })
  .meta({ id: 'ProductUpdate' });

export const ProductHistoryEntry = z
  .object({
    id: z.string(),
    attribute: ProductAttribute,
    oldValue: z.string().nullable(),
    newValue: z.string().nullable(),
    cause: z
      .enum(['evidence', 'admin', 'admin-clear'])
      .describe(
        'evidence: the store catalog or receipts changed it; admin: an edit; admin-clear: back to evidence',
      ),
    actorId: Uuid.nullable().describe('The admin; null for evidence'),
    createdAt: Timestamp,
  })
  .meta({ id: 'ProductHistoryEntry' });
export const ProductHistory = z
  .object({ items: z.array(ProductHistoryEntry) })
  .meta({ id: 'ProductHistory' });

export const MergeCandidateQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const MergeCandidate = z
  .object({
    reason: z
      .enum(['gtin-family', 'similar-name'])
      .describe(
        'gtin-family: GTIN-14s differing only in the packaging indicator; similar-name: same brand and pack size, names alike',
      ),
    similarity: z.number().nullable().describe('Name similarity (0..1) of a similar-name pair'),
    products: z.array(Product).length(2),
  })
  .meta({ id: 'MergeCandidate' });
export const MergeCandidateList = z
  .object({ items: z.array(MergeCandidate) })
  .meta({ id: 'MergeCandidateList' });
export const DismissMergeCandidate = z
  .strictObject({
    productIds: z
      .tuple([Uuid, Uuid])
      .refine(([a, b]) => a !== b, { message: 'two different products' })
      .describe('The pair that is not a duplicate'),
  })
  .meta({ id: 'DismissMergeCandidate' });

export const InflationQuery = z.strictObject({
  period: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM')
    .optional()
    .describe('Month; default the newest CPI month of the series'),
  category: InflationCategory.default('food-at-home'),
});
export const Inflation = z
  .object({
    period: z.string(),
    category: InflationCategory,
    cpi: z.object({
      seriesId: z.string(),
      value: z.number().nullable(),
      previousYearValue: z.number().nullable(),
      yoyPct: z.number().nullable().describe('null when BLS published no value for one of the months'),
    }),
    basket: z.object({
      yoyPct: z.number().nullable().describe('null when no product was priced in both months'),
      productCount: z.number().int(),
      currency: Currency,
    }),
    method: z.string(),
  })
  .meta({ id: 'Inflation' });

export const BlsSeriesImport = z
  .strictObject({
    Results: z.object({
      series: z
        .array(
          z.object({
            seriesID: z.string().regex(/^[A-Z0-9]{4,20}$/),
            data: z.array(
              z.object({
                year: z.string().regex(/^\d{4}$/),
                period: z.string().regex(/^M(0[1-9]|1[0-3])$/),
                value: z.string().regex(/^\d+(\.\d{1,3})?$|^-$/),
              }),
            ),
          }),
        )
        .min(1),
    }),
  })
  .meta({ id: 'BlsSeriesImport' });
export const BlsImportResult = z
  .object({ inserted: z.number().int(), unchanged: z.number().int(), skipped: z.number().int() })
  .meta({ id: 'BlsImportResult' });

export const AlertKind = z.enum([
  'price-increase',
  'price-drop',
  'target-price',
  'shrinkflation',
  'coupon',
  'watch',
]);
export const Alert = z
  .object({
    id: Uuid,
    kind: AlertKind,
    title: z.string(),
    body: z.string(),
    productId: Uuid.nullable(),
    watchId: Uuid.nullable(),
    link: z.string().nullable(),
    read: z.boolean(),
    createdAt: Timestamp,
  })
  .meta({ id: 'Alert' });
export const AlertListQuery = z.strictObject({
  ...PaginationQuery.shape,
  unread: BooleanQuery.optional().describe('true: only unread alerts'),
});
export const AlertPage = z
  .object({ items: z.array(Alert), nextCursor: z.string().nullable() })
  .meta({ id: 'AlertPage' });
export const AlertParams = z.strictObject({ id: Uuid });

export const AlertSettings = z
  .object({
    dailyCapPerProduct: z.number().int().min(1).max(50).describe('Most alerts per product per UTC day'),
    priceIncreasePct: z
      .number()
      .min(1)
      .max(1000)
      .describe('Alert on products you bought when a store raises the price this much'),
    priceIncreases: z.boolean(),
    shrinkflation: z.boolean(),
    coupons: z.boolean(),
  })
  .meta({ id: 'AlertSettings' });
export const AlertSettingsUpdate = AlertSettings.partial().strict();

export const Watch = z
  .object({
    id: Uuid,
    productId: Uuid.nullable(),
    url: z.string().nullable(),
    cssSelector: z.string().nullable(),
    targetPriceCents: MinorUnits.nullable(),
    dropPct: z.number().nullable(),
    increasePct: z.number().nullable(),
    backInStock: z.boolean(),
    render: z.boolean().describe('The page is rendered in headless Chromium before extraction'),
    paused: z.boolean().describe('A paused watch is neither checked by the scheduler nor on demand'),
    checkIntervalMinutes: z
      .number()
      .int()
      .nullable()
      .describe('Minutes between scheduled checks of a URL watch; null for a product watch'),
    lastPriceCents: MinorUnits.nullable(),
    lastCurrency: Currency.nullable(),
    lastAvailable: z.boolean().nullable(),
    lastCheckedAt: Timestamp.nullable(),
    nextCheckAt: Timestamp.nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: 'Watch' });
const Pct = z.number().positive().max(1000);
/** Politeness bounds of a URL watch's check interval (docs/price-watch.md, "Watches"). */
export const WATCH_CHECK_INTERVAL_MINUTES = { min: 60, max: 7 * 24 * 60, default: 360 } as const;
const CheckIntervalMinutes = z
  .number()
  .int()
  .min(WATCH_CHECK_INTERVAL_MINUTES.min)
  .max(WATCH_CHECK_INTERVAL_MINUTES.max)
  .describe('Minutes between scheduled checks of a URL watch: 60 (1 hour) to 10080 (7 days); default 360');
const Paused = z.boolean().describe('Pause (true) or resume (false) the watch');
const WatchThresholds = {
  targetPriceCents: AmountCents.min(1).optional(),
  dropPct: Pct.optional(),
  increasePct: Pct.optional(),
  backInStock: z.boolean().optional(),
};
export const CreateWatch = z
  .strictObject({
    productId: Uuid.optional(),
    url: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional(),
    cssSelector: z
      .string()
      .min(1)
      .max(300)
      .optional()
      .describe('Price element when the page has no structured data'),
    render: z
      .boolean()
      .optional()
      .describe(
        'Run the page scripts in headless Chromium first (script-built pages); needs rendering enabled',
      ),
    checkIntervalMinutes: CheckIntervalMinutes.optional(),
    paused: Paused.optional(),
    ...WatchThresholds,
  })
  .refine((body) => (body.productId === undefined) !== (body.url === undefined), {
    message: 'give exactly one of productId and url',
    path: ['productId'],
  })
  .refine((body) => body.cssSelector === undefined || body.url !== undefined, {
    message: 'cssSelector applies to URL watches only',
    path: ['cssSelector'],
  })
  .refine((body) => body.render === undefined || body.url !== undefined, {
    message: 'render applies to URL watches only',
    path: ['render'],
  })
  .refine((body) => body.checkIntervalMinutes === undefined || body.url !== undefined, {
    message: 'checkIntervalMinutes applies to URL watches only',
    path: ['checkIntervalMinutes'],
  });
export const UpdateWatch = z.strictObject({
  targetPriceCents: AmountCents.min(1).nullable().optional(),
  dropPct: Pct.nullable().optional(),
  increasePct: Pct.nullable().optional(),
  backInStock: z.boolean().optional(),
  cssSelector: z.string().min(1).max(300).nullable().optional(),
  render: z.boolean().optional(),
  checkIntervalMinutes: CheckIntervalMinutes.optional(),
  paused: Paused.optional(),
});
export const WatchParams = z.strictObject({ id: Uuid });
export const WatchPage = z
  .object({ items: z.array(Watch), nextCursor: z.string().nullable() })
  .meta({ id: 'WatchPage' });
export const WatchRun = z
  .object({
    id: Uuid,
    startedAt: Timestamp,
    finishedAt: Timestamp,
    priceCents: MinorUnits.nullable(),
    currency: Currency.nullable(),
    available: z.boolean().nullable(),
    method: z.string().nullable().describe('json-ld, microdata, opengraph or selector'),
    errorCode: z.string().nullable(),
    error: z.string().nullable(),
    blockedRequests: z
      .array(z.object({ url: z.string(), code: z.string(), message: z.string() }))
      .nullable()
      .describe('Rendered checks: requests of the page that were refused (e.g. BLOCKED_ADDRESS) or failed'),
  })
  .meta({ id: 'WatchRun' });
export const WatchRunPage = z
  .object({ items: z.array(WatchRun), nextCursor: z.string().nullable() })
  .meta({ id: 'WatchRunPage' });

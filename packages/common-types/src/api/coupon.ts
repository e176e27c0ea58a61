/**
 * API of the coupon service: coupons and clips, shopping lists and the cheapest store split.
 * Request schemas are strict (unknown fields are VALIDATION_FAILED).
 */
import { z } from 'zod';
import { Timestamp, Uuid } from '../ids.js';
import { AmountCents, Currency, MAX_AMOUNT_CENTS } from '../money.js';
import { BooleanQuery, PaginationQuery, pageOf } from '../pagination.js';

const Cents = AmountCents.min(0);
const StoreSlug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case store slug');
const Text = (max: number) => z.string().trim().min(1).max(max);

export const CouponType = z
  .enum(['percent', 'fixed', 'bogo', 'buy_x_get_y', 'spend_threshold'])
  .describe('percent/fixed/bogo/buy_x_get_y act on one list line; spend_threshold on a store subtotal');
export type CouponType = z.infer<typeof CouponType>;
export const CouponScopeKind = z.enum(['product', 'brand', 'category', 'store']);

/** Schema params whose message answers a missing required field (other issues keep zod's message). */
const requiredFor = (message: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? message : undefined),
});
/** Schema params whose message answers a `kind`/`type` no member of a discriminated union takes. */
const noMemberFor = (message: string) => ({
  error: (issue: { code?: string }) => (issue.code === 'invalid_union' ? message : undefined),
});

const Percent = (params?: ReturnType<typeof requiredFor>) => z.number(params).int().min(1).max(100);
const Quantity = (params?: ReturnType<typeof requiredFor>) => z.number(params).int().min(1).max(100);
const PositiveCentsFor = (message: string) =>
  z
    .number(requiredFor(message))
    .int()
    .min(1)
    .max(MAX_AMOUNT_CENTS)
    .describe(AmountCents.description ?? '');
const RequiredText = (max: number, message: string) => z.string(requiredFor(message)).trim().min(1).max(max);

const ProductScope = z
  .object({ kind: z.literal('product'), productId: z.uuid(requiredFor('required for a product scope')) })
  .strict()
  .meta({ id: 'CouponProductScope' });
const BrandScope = z
  .object({ kind: z.literal('brand'), brand: RequiredText(200, 'required for a brand scope') })
  .strict()
  .meta({ id: 'CouponBrandScope' });
const CategoryScope = z
  .object({ kind: z.literal('category'), category: RequiredText(200, 'required for a category scope') })
  .strict()
  .meta({ id: 'CouponCategoryScope' });
const StoreScope = z
  .object({ kind: z.literal('store') })
  .strict()
  .meta({ id: 'CouponStoreScope' });

/** What a line coupon (percent, fixed, bogo, buy_x_get_y) applies to: a product, a brand or a category. */
const LineScope = z.discriminatedUnion(
  'kind',
  [ProductScope, BrandScope, CategoryScope],
  noMemberFor('line coupons are scoped to a product, brand or category'),
);
/** A spend_threshold coupon applies to a store subtotal. */
const SpendScope = z.discriminatedUnion(
  'kind',
  [StoreScope],
  noMemberFor('spend_threshold coupons are store-wide'),
);

/** The fields every coupon type shares. */
const SharedFields = {
  externalId: Text(200).optional().describe('Id in the deal feed; bulk import upserts on it'),
  storeSlug: StoreSlug.nullable().optional().describe('The store it is valid at; null = every store'),
  minQuantity: z.number().int().min(1).max(1000).default(1),
  currency: Currency.default('USD'),
  validFrom: Timestamp,
  validTo: Timestamp.optional(),
  requiresClip: z.boolean().default(false),
  code: Text(100).optional(),
  sourceUrl: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .optional(),
  title: Text(200),
  description: Text(2000).optional(),
};
/** The fields every line coupon shares. */
const LineFields = {
  ...SharedFields,
  scope: LineScope,
  minPurchaseCents: Cents.optional().describe('line coupons: minimum line spend at shelf price'),
};

const PercentCoupon = z
  .object({
    ...LineFields,
    type: z.literal('percent'),
    percentOff: Percent(requiredFor('required for a percent coupon')),
  })
  .strict()
  .meta({ id: 'PercentCoupon' });
const FixedCoupon = z
  .object({
    ...LineFields,
    type: z.literal('fixed'),
    amountOffCents: PositiveCentsFor('required for a fixed coupon'),
  })
  .strict()
  .meta({ id: 'FixedCoupon' });
const BogoCoupon = z
  .object({ ...LineFields, type: z.literal('bogo') })
  .strict()
  .meta({ id: 'BogoCoupon' });
const BuyXGetYCoupon = z
  .object({
    ...LineFields,
    type: z.literal('buy_x_get_y'),
    buyQuantity: Quantity(requiredFor('required for buy_x_get_y')),
    getQuantity: Quantity(requiredFor('required for buy_x_get_y')),
    getPercentOff: Percent().optional().describe('buy_x_get_y: discount on the Y units (default 100)'),
  })
  .strict()
  .meta({ id: 'BuyXGetYCoupon' });

const SpendAmounts = z.object({
  thresholdCents: PositiveCentsFor('required for spend_threshold'),
  amountOffCents: PositiveCentsFor('required for spend_threshold'),
});
const SpendThresholdCoupon = z
  .object({
    ...SharedFields,
    scope: SpendScope,
    type: z.literal('spend_threshold'),
    thresholdCents: SpendAmounts.shape.thresholdCents.describe(
      'spend_threshold: subtotal after line coupons that unlocks it',
    ),
    amountOffCents: SpendAmounts.shape.amountOffCents,
  })
  .strict()
  .refine((coupon) => coupon.amountOffCents <= coupon.thresholdCents, {
    path: ['amountOffCents'],
    message: 'cannot exceed thresholdCents',
    // Also beside other issues (a wrong scope, say), as long as both amounts are numbers.
    when: (payload) => SpendAmounts.safeParse(payload.value).success,
  })
  .meta({ id: 'SpendThresholdCoupon' });

const Validity = z.object({ validFrom: Timestamp, validTo: Timestamp });

/**
 * A coupon to publish: one member per `type`, each carrying exactly its own numbers (any other field is
 * unknown), with the scope its type takes. The one rule across members: validTo after validFrom.
 */
export const CreateCoupon = z
  .discriminatedUnion(
    'type',
    [PercentCoupon, FixedCoupon, BogoCoupon, BuyXGetYCoupon, SpendThresholdCoupon],
    noMemberFor(`expected one of ${CouponType.options.join(', ')}`),
  )
  .refine(
    (coupon) => coupon.validTo === undefined || Date.parse(coupon.validTo) > Date.parse(coupon.validFrom),
    {
      path: ['validTo'],
      message: 'must be after validFrom',
      // Also beside other issues, as long as both instants are valid.
      when: (payload) => Validity.safeParse(payload.value).success,
    },
  )
  .meta({ id: 'CreateCoupon' });
export type CreateCoupon = z.infer<typeof CreateCoupon>;
export type CouponScope = CreateCoupon['scope'];

export const Coupon = z
  .object({
    id: Uuid,
    externalId: z.string().nullable(),
    storeSlug: z.string().nullable(),
    scope: z.object({
      kind: CouponScopeKind,
      productId: Uuid.nullable(),
      brand: z.string().nullable(),
      category: z.string().nullable(),
    }),
    type: CouponType,
    percentOff: z.number().int().nullable(),
    amountOffCents: z.number().int().nullable(),
    buyQuantity: z.number().int().nullable(),
    getQuantity: z.number().int().nullable(),
    getPercentOff: z.number().int().nullable(),
    thresholdCents: z.number().int().nullable(),
    minQuantity: z.number().int(),
    minPurchaseCents: z.number().int().nullable(),
    currency: Currency,
    validFrom: Timestamp,
    validTo: Timestamp.nullable(),
    requiresClip: z.boolean(),
    code: z.string().nullable(),
    sourceUrl: z.string().nullable(),
    title: z.string(),
    description: z.string().nullable(),
    clipped: z.boolean().describe('Whether the calling user clipped it (false for calls without a user)'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Coupon' });
export type Coupon = z.infer<typeof Coupon>;
export const CouponPage = pageOf(Coupon).meta({ id: 'CouponPage' });

export const CouponListQuery = PaginationQuery.extend({
  store: StoreSlug.optional(),
  category: Text(200).optional(),
  active: BooleanQuery.optional().describe('true: valid now; false: expired or not yet valid'),
}).strict();

export const CouponIdParams = z.object({ id: Uuid }).strict();

/** Entries one `POST /coupons/import` may carry, JSON or CSV (data rows). */
export const MAX_IMPORTED_COUPONS = 5000;

export const CouponImportJson = z
  .object({ coupons: z.array(z.unknown()).min(1).max(MAX_IMPORTED_COUPONS) })
  .strict()
  .meta({ id: 'CouponImportJson' });

export const CouponImportResult = z
  .object({
    created: z.number().int(),
    updated: z.number().int(),
    rejected: z.array(
      z.object({
        row: z.number().int().describe('1-based position in the feed (CSV: data row, header excluded)'),
        issues: z.array(z.object({ path: z.string(), message: z.string(), code: z.string() })),
      }),
    ),
  })
  .meta({ id: 'CouponImportResult' });

export const RelevantCoupon = z
  .object({
    coupon: Coupon,
    score: z.number(),
    reasons: z.array(z.string()).describe('Why it ranks: on-list product, bought product, brand, category'),
  })
  .meta({ id: 'RelevantCoupon' });
export const RelevantCouponPage = pageOf(RelevantCoupon).meta({ id: 'RelevantCouponPage' });
export const RelevantCouponQuery = PaginationQuery.extend({ store: StoreSlug.optional() }).strict();

// Shopping lists

const ListItemFields = {
  productId: Uuid.optional(),
  text: Text(200).optional(),
  quantity: z.number().int().min(1).max(999).default(1),
};
const requireWhat = (
  item: { productId?: string | undefined; text?: string | undefined },
  ctx: z.RefinementCtx,
) => {
  if (!item.productId && !item.text) {
    ctx.addIssue({ code: 'custom', path: ['productId'], message: 'give a productId or a text' });
  }
};
export const ShoppingListItemInput = z
  .object(ListItemFields)
  .strict()
  .superRefine(requireWhat)
  .meta({ id: 'ShoppingListItemInput' });
export type ShoppingListItemInput = z.infer<typeof ShoppingListItemInput>;
export const UpdateShoppingListItem = z
  .object({ quantity: z.number().int().min(1).max(999) })
  .strict()
  .meta({ id: 'UpdateShoppingListItem' });

export const CreateShoppingList = z
  .object({ name: Text(200), items: z.array(ShoppingListItemInput).max(500).default([]) })
  .strict()
  .meta({ id: 'CreateShoppingList' });
export const UpdateShoppingList = z
  .object({ name: Text(200) })
  .strict()
  .meta({ id: 'UpdateShoppingList' });

export const ShoppingListItem = z
  .object({
    id: Uuid,
    productId: Uuid.nullable(),
    text: z.string().nullable(),
    name: z.string().nullable().describe('Product name from the price read model, when known'),
    quantity: z.number().int(),
  })
  .meta({ id: 'ShoppingListItem' });
export const ShoppingList = z
  .object({
    id: Uuid,
    name: z.string(),
    items: z.array(ShoppingListItem),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'ShoppingList' });
export type ShoppingList = z.infer<typeof ShoppingList>;
export const ShoppingListSummary = z
  .object({
    id: Uuid,
    name: z.string(),
    itemCount: z.number().int(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'ShoppingListSummary' });
export type ShoppingListSummary = z.infer<typeof ShoppingListSummary>;
export const ShoppingListPage = pageOf(ShoppingListSummary).meta({ id: 'ShoppingListPage' });
export const ShoppingListParams = z.object({ listId: Uuid }).strict();
export const ShoppingListItemParams = z.object({ listId: Uuid, itemId: Uuid }).strict();

// Optimizer

export const OptimizeRequest = z
  .object({
    listId: Uuid.optional(),
    items: z.array(ShoppingListItemInput).min(1).max(200).optional(),
    stores: z
      .array(StoreSlug)
      .min(1)
      .max(20)
      .optional()
      .describe(
        'Candidate stores; default: every store with a price for the list (at most 20, the 20 pricing most items)',
      ),
    maxStores: z.number().int().min(1).max(4).default(2),
    useCoupons: z.boolean().default(true),
    clippedOnly: z
      .boolean()
      .default(false)
      .describe('Only coupons that need no clip or that the user clipped'),
    currency: Currency.default('USD'),
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.listId === undefined) === (body.items === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['listId'], message: 'give exactly one of listId and items' });
    }
  })
  .meta({ id: 'OptimizeRequest' });
export type OptimizeRequest = z.infer<typeof OptimizeRequest>;

const AppliedCoupon = z.object({
  couponId: Uuid,
  title: z.string(),
  discountCents: z.number().int(),
  requiresClip: z.boolean(),
  clipped: z.boolean(),
});

export const PlanLine = z.object({
  productId: Uuid.nullable(),
  text: z.string().nullable(),
  name: z.string().nullable(),
  quantity: z.number().int(),
  unitPriceCents: z.number().int(),
  shelfCents: z.number().int().describe('unitPriceCents x quantity'),
  coupon: AppliedCoupon.nullable(),
  lineCents: z.number().int().describe('What the line costs after its coupon'),
  observedAt: Timestamp,
  priceAgeDays: z.number().int().describe('Whole days since the price was observed'),
});

export const OptimizePlan = z
  .object({
    currency: Currency,
    maxStores: z.number().int(),
    stores: z.array(
      z.object({
        storeSlug: z.string(),
        items: z.array(PlanLine),
        subtotalCents: z.number().int().describe('After line coupons, before the spend-threshold coupon'),
        spendCoupon: AppliedCoupon.nullable(),
        totalCents: z.number().int(),
      }),
    ),
    totalCents: z.number().int(),
    bestSingleStore: z
      .object({ storeSlug: z.string(), totalCents: z.number().int() })
      .nullable()
      .describe('Cheapest single store that prices every item the plan buys (coupons under the same rules)'),
    savingsVsBestSingleStoreCents: z.number().int().nullable(),
    averageSingleStoreCents: z.number().int().nullable(),
    savingsVsAverageCents: z.number().int().nullable(),
    unpricedItems: z.array(
      z.object({
        productId: Uuid.nullable(),
        text: z.string().nullable(),
        quantity: z.number().int(),
        reason: z.enum(['no-price', 'free-text', 'not-in-chosen-stores']),
      }),
    ),
    oldestPriceObservedAt: Timestamp.nullable(),
    searchNodes: z.number().int(),
  })
  .meta({ id: 'OptimizePlan' });
export type OptimizePlan = z.infer<typeof OptimizePlan>;

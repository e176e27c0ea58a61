/**
 * API of the coupon service: coupons and clips, shopping lists and the cheapest store split.
 * Request schemas are strict (unknown fields are VALIDATION_FAILED).
 */
import { z } from 'zod';
import { Timestamp, Uuid } from '../ids.js';
import { AmountCents, Currency } from '../money.js';
import { BooleanQuery, PaginationQuery, pageOf } from '../pagination.js';

const Cents = AmountCents.min(0);
const PositiveCents = AmountCents.min(1);
const StoreSlug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case store slug');
const Text = (max: number) => z.string().trim().min(1).max(max);

export const CouponType = z
  .enum(['percent', 'fixed', 'bogo', 'buy_x_get_y', 'spend_threshold'])
  .describe('percent/fixed/bogo/buy_x_get_y act on one list line; spend_threshold on a store subtotal');
export const CouponScopeKind = z.enum(['product', 'brand', 'category', 'store']);

const CouponFields = {
  externalId: Text(200).optional().describe('Id in the deal feed; bulk import upserts on it'),
  storeSlug: StoreSlug.nullable().optional().describe('The store it is valid at; null = every store'),
  scope: z
    .object({
      kind: CouponScopeKind,
      productId: Uuid.optional(),
      brand: Text(200).optional(),
      category: Text(200).optional(),
    })
    .strict(),
  type: CouponType,
  percentOff: z.number().int().min(1).max(100).optional(),
  amountOffCents: PositiveCents.optional(),
  buyQuantity: z.number().int().min(1).max(100).optional(),
  getQuantity: z.number().int().min(1).max(100).optional(),
  getPercentOff: z
    .number()
    .int()
    .min(1)
    .max(100)
    .optional()
    .describe('buy_x_get_y: discount on the Y units (default 100)'),
  thresholdCents: PositiveCents.optional().describe(
    'spend_threshold: subtotal after line coupons that unlocks it',
  ),
  minQuantity: z.number().int().min(1).max(1000).default(1),
  minPurchaseCents: Cents.optional().describe('line coupons: minimum line spend at shelf price'),
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

type CouponShape = z.infer<z.ZodObject<typeof CouponFields>>;

/** Cross-field rules: each type carries its own numbers, and the scope names what it is scoped to. */
function checkCoupon(coupon: Partial<CouponShape>, ctx: z.RefinementCtx): void {
  const need = (field: keyof CouponShape, why: string) => {
    if (coupon[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: why });
  };
  switch (coupon.type) {
    case 'percent':
      need('percentOff', 'required for a percent coupon');
      break;
    case 'fixed':
      need('amountOffCents', 'required for a fixed coupon');
      break;
    case 'buy_x_get_y':
      need('buyQuantity', 'required for buy_x_get_y');
      need('getQuantity', 'required for buy_x_get_y');
      break;
    case 'spend_threshold':
      need('thresholdCents', 'required for spend_threshold');
      need('amountOffCents', 'required for spend_threshold');
      if (coupon.scope && coupon.scope.kind !== 'store') {
        ctx.addIssue({
          code: 'custom',
          path: ['scope', 'kind'],
          message: 'spend_threshold coupons are store-wide',
        });
      }
      if ((coupon.amountOffCents ?? 0) > (coupon.thresholdCents ?? Number.MAX_SAFE_INTEGER)) {
        ctx.addIssue({ code: 'custom', path: ['amountOffCents'], message: 'cannot exceed thresholdCents' });
      }
      break;
    default:
      break;
  }
  if (coupon.type && coupon.type !== 'spend_threshold' && coupon.scope?.kind === 'store') {
    ctx.addIssue({
      code: 'custom',
      path: ['scope', 'kind'],
      message: 'line coupons are scoped to a product, brand or category',
    });
  }
  const scope = coupon.scope;
  if (scope?.kind === 'product' && !scope.productId) {
    ctx.addIssue({ code: 'custom', path: ['scope', 'productId'], message: 'required for a product scope' });
  }
  if (scope?.kind === 'brand' && !scope.brand) {
    ctx.addIssue({ code: 'custom', path: ['scope', 'brand'], message: 'required for a brand scope' });
  }
  if (scope?.kind === 'category' && !scope.category) {
    ctx.addIssue({ code: 'custom', path: ['scope', 'category'], message: 'required for a category scope' });
  }
  if (coupon.validFrom && coupon.validTo && Date.parse(coupon.validTo) <= Date.parse(coupon.validFrom)) {
    ctx.addIssue({ code: 'custom', path: ['validTo'], message: 'must be after validFrom' });
  }
}

export const CreateCoupon = z
  .object(CouponFields)
  .strict()
  .superRefine(checkCoupon)
  .meta({ id: 'CreateCoupon' });
export type CreateCoupon = z.infer<typeof CreateCoupon>;

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

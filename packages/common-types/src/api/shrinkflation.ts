/**
 * Request and response schemas of the shrinkflation service (`/shrinkflation/*`, `/public/shrinkflation`).
 * The routes validate with them and the OpenAPI document is generated from them.
 */
import { z } from 'zod';
import { Timestamp, Uuid } from '../ids.js';
import { Currency, MinorUnits } from '../money.js';
import { PaginationQuery, pageOf } from '../pagination.js';
import { PackSize } from '../sizes.js';

export const shrinkflationKinds = ['same-product', 'successor'] as const;
export const ShrinkflationKind = z
  .enum(shrinkflationKinds)
  .describe('`same-product`: the same GTIN shrank; `successor`: a new, smaller GTIN replaced the old one');
export type ShrinkflationKind = z.infer<typeof ShrinkflationKind>;

export const shrinkflationStatuses = ['detected', 'confirmed', 'rejected'] as const;
export const ShrinkflationStatus = z.enum(shrinkflationStatuses);
export type ShrinkflationStatus = z.infer<typeof ShrinkflationStatus>;

export const ConfidenceFactor = z
  .object({
    name: z.enum([
      'observations-before',
      'observations-after',
      'sale-prices-excluded',
      'price-direction',
      'pairing',
    ]),
    weight: z
      .number()
      .min(0)
      .max(1)
      .describe('Share of the confidence this factor carries (0 = informational)'),
    score: z.number().min(0).max(1),
    detail: z.string().describe('Why the factor scored as it did, in words'),
  })
  .meta({ id: 'ShrinkflationConfidenceFactor' });
export type ConfidenceFactor = z.infer<typeof ConfidenceFactor>;

export const Shrinkflation = z
  .object({
    id: Uuid,
    kind: ShrinkflationKind,
    status: ShrinkflationStatus,
    productId: Uuid.describe('The product that shrank (for `successor`: the old, larger product)'),
    successorProductId: Uuid.nullable(),
    gtin: z.string().nullable(),
    successorGtin: z.string().nullable(),
    name: z.string(),
    successorName: z.string().nullable(),
    brand: z.string().nullable(),
    category: z.string().nullable(),
    storeSlug: z.string(),
    oldSize: PackSize,
    newSize: PackSize,
    sizeChangePct: z.number().describe('Pack-size change in percent (negative = smaller)'),
    oldPriceCents: MinorUnits.describe('Median regular (non-sale) shelf price before the change'),
    newPriceCents: MinorUnits.describe('Median regular (non-sale) shelf price after the change'),
    currency: Currency,
    unitPriceChangePct: z.number().describe('Change of the price per canonical unit, in percent'),
    qualityAdjustedPriceCents: MinorUnits.describe(
      'The new price scaled to the old pack: price x old size / new size',
    ),
    qualityAdjustedPriceChangePct: z
      .number()
      .describe('Quality-adjusted price against the old price, in percent'),
    confidence: z.number().min(0).max(1),
    contributors: z
      .number()
      .int()
      .min(0)
      .describe(
        'Distinct shoppers whose receipts are the evidence (docs/shrinkflation.md, "Independent evidence")',
      ),
    storeSourced: z.boolean().describe("Part of the evidence is the store's own price list or product page"),
    independent: z
      .boolean()
      .describe('Confirmed by an admin, store-sourced, or seen by enough distinct shoppers: may be public'),
    factors: z.array(ConfidenceFactor),
    changedAt: Timestamp.describe('First regular-price observation of the new size'),
    detectedAt: Timestamp,
    updatedAt: Timestamp,
    reviewedAt: Timestamp.nullable(),
  })
  .meta({ id: 'Shrinkflation' });
export type Shrinkflation = z.infer<typeof Shrinkflation>;

export const PackObservation = z
  .object({
    observationId: Uuid,
    productId: Uuid,
    storeSlug: z.string(),
    size: PackSize,
    priceCents: MinorUnits,
    regularPriceCents: MinorUnits.nullable(),
    currency: Currency,
    isSale: z.boolean(),
    source: z.enum(['receipt', 'catalog', 'url']),
    observedAt: Timestamp,
  })
  .meta({ id: 'PackObservation' });
export type PackObservation = z.infer<typeof PackObservation>;

export const ShrinkflationDetail = Shrinkflation.extend({
  evidence: z.object({
    before: z.array(PackObservation).describe('Regular-price observations of the old size (latest 20)'),
    after: z.array(PackObservation).describe('Regular-price observations of the new size (latest 20)'),
  }),
}).meta({ id: 'ShrinkflationDetail' });
export type ShrinkflationDetail = z.infer<typeof ShrinkflationDetail>;

export const ShrinkflationPage = pageOf(Shrinkflation).meta({ id: 'ShrinkflationPage' });

export const ShrinkflationListQuery = PaginationQuery.extend({
  category: z.string().min(1).max(200).optional(),
  brand: z.string().min(1).max(200).optional(),
  store: z.string().min(1).max(100).optional(),
  since: Timestamp.optional().describe('Only changes that happened at or after this instant'),
  status: ShrinkflationStatus.optional().describe('Default: every status except `rejected`'),
}).strict();
export type ShrinkflationListQuery = z.infer<typeof ShrinkflationListQuery>;

export const ModerationQuery = PaginationQuery.strict().meta({ id: 'ModerationQuery' });
export type ModerationQuery = z.infer<typeof ModerationQuery>;

export const PublicShrinkflationQuery = ShrinkflationListQuery.omit({ status: true }).strict();
export type PublicShrinkflationQuery = z.infer<typeof PublicShrinkflationQuery>;

export const PublicShrinkflation = Shrinkflation.omit({
  status: true,
  factors: true,
  // Who and how many stand behind a claim is for admins (docs/privacy.md); public ones are independent.
  contributors: true,
  storeSourced: true,
  independent: true,
  reviewedAt: true,
  updatedAt: true,
})
  .extend({ confirmed: z.boolean().describe('Confirmed by a reviewer (else shown for its high confidence)') })
  .meta({ id: 'PublicShrinkflation' });
export type PublicShrinkflation = z.infer<typeof PublicShrinkflation>;

export const PublicShrinkflationPage = pageOf(PublicShrinkflation).meta({ id: 'PublicShrinkflationPage' });

export const ShrinkflationIdParams = z.object({ id: Uuid }).strict();
export const ProductIdParams = z.object({ productId: Uuid }).strict();

export const ShrinkflationReview = z
  .object({ note: z.string().trim().min(1).max(1000).optional() })
  .strict()
  .meta({ id: 'ShrinkflationReview' });
export type ShrinkflationReview = z.infer<typeof ShrinkflationReview>;

export const SizePeriod = z
  .object({
    storeSlug: z.string(),
    size: PackSize,
    from: Timestamp.describe('First observation of this size in a row'),
    to: Timestamp.describe('Last observation of this size before another size was seen'),
    observations: z.number().int().nonnegative(),
    saleObservations: z.number().int().nonnegative(),
    minPriceCents: MinorUnits,
    maxPriceCents: MinorUnits,
    currency: Currency,
  })
  .meta({ id: 'SizePeriod' });
export type SizePeriod = z.infer<typeof SizePeriod>;

export const ProductSizeHistory = z
  .object({
    productId: Uuid,
    gtin: z.string().nullable(),
    name: z.string(),
    brand: z.string().nullable(),
    periods: z.array(SizePeriod).describe('Per store, oldest first: each run of one pack size'),
  })
  .meta({ id: 'ProductSizeHistory' });
export type ProductSizeHistory = z.infer<typeof ProductSizeHistory>;

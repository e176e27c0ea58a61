/**
 * The event envelope and the event catalog (docs/architecture.md#events). Every event on the CARTWATCH stream is
 * an envelope whose `data` is validated against its type's schema on publish and on receipt.
 * Types are `<aggregate>.<past-tense-verb>.v<N>`; the subject is `cartwatch.<type>`.
 */
import { z } from 'zod';
import { Timestamp, Uuid } from './ids.js';
import { Currency, MinorUnits } from './money.js';
import { ServiceName } from './services.js';
import { PackSize } from './sizes.js';

export const STREAM_NAME = 'CARTWATCH';
export const SUBJECT_PREFIX = 'cartwatch';
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+\.v[1-9][0-9]*$/;

export const EventEnvelope = z.object({
  id: Uuid.describe('UUID v7 of the event; also the JetStream msgID used for de-duplication'),
  type: z.string().regex(EVENT_TYPE_PATTERN),
  source: ServiceName,
  occurredAt: Timestamp,
  subjectId: z.string().optional().describe('Id of the aggregate the event is about'),
  userId: Uuid.optional().describe('The user the event concerns, when there is one'),
  data: z.unknown(),
});
export type EventEnvelope<TData = unknown> = Omit<z.infer<typeof EventEnvelope>, 'data'> & { data: TData };

export interface EventDefinition<TType extends string = string, TSchema extends z.ZodType = z.ZodType> {
  type: TType;
  subject: string;
  schema: TSchema;
}

export function defineEvent<TType extends string, TSchema extends z.ZodType>(
  type: TType,
  schema: TSchema,
): EventDefinition<TType, TSchema> {
  if (!EVENT_TYPE_PATTERN.test(type)) throw new Error(`event type ${type} is not <aggregate>.<verb>.v<N>`);
  return { type, subject: subjectFor(type), schema };
}

export function subjectFor(type: string, prefix = SUBJECT_PREFIX): string {
  return `${prefix}.${type}`;
}

/** Dead letters of one consumer go to `cartwatch.dlq.<consumer>` (inside the stream, so they are kept). */
export function dlqSubject(consumer: string, prefix = SUBJECT_PREFIX): string {
  return `${prefix}.dlq.${consumer}`;
}

const Gtin = z.string().regex(/^\d{8,14}$/, 'GTIN digits (UPC-A, EAN-8/13, GTIN-14)');

/** A receipt line is a purchase, or a return: a negative `paidCents` (money back), e.g. goods returned. */
export const lineKinds = ['purchase', 'return'] as const;
export const LineKind = z.enum(lineKinds);
export type LineKind = z.infer<typeof LineKind>;

export const PurchaseItem = z.object({
  lineId: Uuid,
  name: z.string().min(1),
  gtin: Gtin.optional(),
  brand: z.string().optional(),
  category: z.string().optional(),
  size: PackSize.optional(),
  quantity: z.number().positive().describe('Units bought, or weight in the size unit for weighed goods'),
  quantityUnit: z
    .enum(['ea', 'kg', 'g', 'lb', 'oz', 'l', 'ml'])
    .optional()
    .describe('What `quantity` counts: `ea` for units, else the weight or volume unit of weighed goods'),
  unitPriceCents: MinorUnits,
  paidCents: MinorUnits.describe('What the line cost after discounts; negative for a return'),
  regularPriceCents: MinorUnits.optional(),
  discountCents: MinorUnits.optional(),
  onSale: z.boolean().optional(),
  kind: LineKind.optional().describe(
    '`return`: goods brought back (negative `paidCents`); absent means `purchase`',
  ),
});

/** The kind of a receipt line by its paid amount: money back (negative) is a return. */
export function lineKindOf(paidCents: number): LineKind {
  return paidCents < 0 ? 'return' : 'purchase';
}

/** A return line is money back for goods brought back, not a price paid (older events carry no `kind`). */
export function isReturnLine(item: { kind?: LineKind | undefined; paidCents: number }): boolean {
  return (item.kind ?? lineKindOf(item.paidCents)) === 'return';
}

const ObservationSource = z.enum(['receipt', 'catalog', 'url']);

export const eventCatalog = {
  purchaseRecorded: defineEvent(
    'purchase.recorded.v1',
    z.object({
      purchaseId: Uuid,
      userId: Uuid,
      storeSlug: z.string(),
      locationId: Uuid.optional(),
      purchasedAt: Timestamp,
      currency: Currency,
      items: z.array(PurchaseItem).min(1),
    }),
  ),
  productMatched: defineEvent(
    'product.matched.v1',
    z.object({
      purchaseId: Uuid,
      lineId: Uuid,
      productId: Uuid,
      method: z.enum(['gtin', 'name', 'created']),
      confidence: z.number().min(0).max(1),
    }),
  ),
  priceObserved: defineEvent(
    'price.observed.v1',
    z.object({
      observationId: Uuid,
      productId: Uuid,
      gtin: Gtin.optional(),
      name: z.string(),
      brand: z.string().optional(),
      category: z.string().optional(),
      storeSlug: z.string(),
      locationId: Uuid.optional(),
      priceCents: MinorUnits,
      regularPriceCents: MinorUnits.optional(),
      currency: Currency,
      isSale: z.boolean(),
      size: PackSize.optional(),
      source: ObservationSource,
      observedAt: Timestamp,
    }),
  ),
  /**
   * The shared price of a product at a store changed (docs/price-watch.md, "Consensus prices"): a
   * store-sourced price, or the median of receipt prices confirmed by enough distinct contributors.
   * Other users' figures (comparisons, the optimizer) rest on this, never on one receipt.
   */
  priceShared: defineEvent(
    'price.shared.v1',
    z.object({
      observationId: Uuid,
      productId: Uuid,
      storeSlug: z.string(),
      priceCents: MinorUnits,
      regularPriceCents: MinorUnits.optional(),
      currency: Currency,
      isSale: z.boolean(),
      basis: z.enum(['store', 'consensus']),
      contributors: z.number().int().min(0),
      observedAt: Timestamp,
    }),
  ),
  alertCreated: defineEvent(
    'alert.created.v1',
    z.object({
      alertId: Uuid,
      userId: Uuid,
      kind: z.enum(['price-increase', 'price-drop', 'target-price', 'shrinkflation', 'coupon', 'watch']),
      title: z.string(),
      body: z.string(),
      productId: Uuid.optional(),
      link: z.string().optional(),
      // Additive: the size of the change in percent (drop, increase, unit-price change), for the
      // per-type minimum of the user's notification settings; absent on alerts without one.
      changePct: z.number().min(0).optional(),
    }),
  ),
  shrinkflationDetected: defineEvent(
    'shrinkflation.detected.v1',
    z.object({
      shrinkflationId: Uuid,
      productId: Uuid,
      successorProductId: Uuid.optional(),
      storeSlug: z.string().optional(),
      oldSize: PackSize,
      newSize: PackSize,
      unitPriceChangePct: z.number(),
      confidence: z.number().min(0).max(1),
      // Additive (optional) fields: consumers written against the first schema keep working.
      kind: z.enum(['same-product', 'successor']).optional(),
      name: z.string().optional(),
      brand: z.string().optional(),
      category: z.string().optional(),
      sizeChangePct: z.number().optional(),
      oldPriceCents: MinorUnits.optional(),
      newPriceCents: MinorUnits.optional(),
      currency: Currency.optional(),
      qualityAdjustedPriceChangePct: z.number().optional(),
      status: z
        .enum(['detected', 'confirmed'])
        .optional()
        .describe('`confirmed` when a reviewer confirmed it'),
      audienceUserIds: z
        .array(Uuid)
        .max(100)
        .optional()
        .describe(
          'Set while the claim rests on these shoppers alone (docs/shrinkflation.md, "Independent evidence"): only they are alerted',
        ),
    }),
  ),
  couponPublished: defineEvent(
    'coupon.published.v1',
    z.object({
      couponId: Uuid,
      storeSlug: z.string().optional(),
      scope: z.object({
        kind: z.enum(['product', 'brand', 'category', 'store']),
        productId: Uuid.optional(),
        brand: z.string().optional(),
        category: z.string().optional(),
      }),
      title: z.string(),
      validFrom: Timestamp,
      validTo: Timestamp.optional(),
      type: z
        .enum(['percent', 'fixed', 'bogo', 'buy_x_get_y', 'spend_threshold'])
        .optional()
        .describe('Added in place (optional, so v1 stays compatible)'),
      requiresClip: z.boolean().optional(),
    }),
  ),
  catalogPriceSet: defineEvent(
    'catalog.price-set.v1',
    z.object({
      locationId: Uuid,
      storeSlug: z.string(),
      productId: Uuid,
      gtin: Gtin.optional(),
      priceCents: MinorUnits,
      previousPriceCents: MinorUnits.optional(),
      currency: Currency,
      effectiveAt: Timestamp,
    }),
  ),
  orderPlaced: defineEvent(
    'order.placed.v1',
    z.object({
      orderId: Uuid,
      userId: Uuid,
      locationId: Uuid,
      totalCents: MinorUnits,
      currency: Currency,
      itemCount: z.number().int().nonnegative(),
    }),
  ),
  orderStatusChanged: defineEvent(
    'order.status-changed.v1',
    z.object({
      orderId: Uuid,
      userId: Uuid,
      from: z.string(),
      to: z.string(),
      actor: z.string(),
      reason: z.string().optional(),
    }),
  ),
  cartUpdated: defineEvent(
    'cart.updated.v1',
    z.object({
      cartId: Uuid,
      userId: Uuid,
      locationId: Uuid,
      itemCount: z.number().int().nonnegative(),
      subtotalCents: MinorUnits,
      currency: Currency,
    }),
  ),
  devicePaired: defineEvent(
    'device.paired.v1',
    z.object({ deviceId: Uuid, userId: Uuid, locationId: Uuid, sessionId: Uuid }),
  ),
  deviceScanned: defineEvent(
    'device.scanned.v1',
    z.object({
      deviceId: Uuid,
      userId: Uuid,
      scanId: z.string(),
      barcode: z.string(),
      productId: Uuid.optional(),
      action: z.enum(['add', 'remove']),
      quantity: z.number().positive(),
    }),
  ),
  userDeleted: defineEvent('user.deleted.v1', z.object({ userId: Uuid })),
} as const;

export type EventCatalog = typeof eventCatalog;
export type CatalogEvent = EventCatalog[keyof EventCatalog];
export type EventType = CatalogEvent['type'];
export type EventDataOf<TDef extends EventDefinition> = z.infer<TDef['schema']>;

export const eventDefinitionsByType: ReadonlyMap<string, CatalogEvent> = new Map(
  Object.values(eventCatalog).map((definition) => [definition.type, definition]),
);

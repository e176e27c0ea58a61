/**
 * Request and response schemas of the orders service (store catalog, inventory, carts, orders).
 * Routes validate with these and register them in OpenAPI, so the documentation is the validation.
 */
import { z } from 'zod';
import { StoreSlug, Timestamp, Uuid } from '../ids.js';
import { AmountCents, Currency, MinorUnits } from '../money.js';
import { BooleanQuery, PaginationQuery, pageOf } from '../pagination.js';

const Gtin = z.string().regex(/^\d{8,14}$/, 'GTIN digits (UPC-A, EAN-8/13, GTIN-14)');
const PriceCents = AmountCents.min(0);
const Quantity = z.number().int().min(1).max(1000);
const Reason = z.string().trim().min(1).max(500);

export const orderStatuses = ['PENDING', 'PAID', 'CANCELLED', 'SHIPPED', 'DELIVERED', 'REFUNDED'] as const;
export const OrderStatus = z.enum(orderStatuses).meta({ id: 'OrderStatus' });
export type OrderStatus = z.infer<typeof OrderStatus>;

// ---- store locations ----

export const CreateStoreLocation = z
  .strictObject({
    storeSlug: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case slug')
      .describe('The retailer this location belongs to (same slug as receipt-ingest stores).'),
    name: z.string().trim().min(1).max(200),
    currency: Currency,
  })
  .meta({ id: 'CreateStoreLocation' });

export const StoreLocation = z
  .object({
    id: Uuid,
    storeSlug: z.string(),
    name: z.string(),
    currency: Currency,
    createdAt: Timestamp,
  })
  .meta({ id: 'StoreLocation' });
export type StoreLocation = z.infer<typeof StoreLocation>;
export const StoreLocationPage = pageOf(StoreLocation).meta({ id: 'StoreLocationPage' });

/** orders' `GET /internal/locations?store=<slug>`: every location of one retailer (cart-device scopes staff by it). */
export const RetailerLocationsQuery = z.strictObject({ store: StoreSlug });
export const RetailerLocationIds = z.object({ storeSlug: StoreSlug, locationIds: z.array(Uuid) });
export type RetailerLocationIds = z.infer<typeof RetailerLocationIds>;

// ---- catalog ----

const productRef = {
  productId: Uuid.optional().describe('Price-watch product id; give this or `gtin`.'),
  gtin: Gtin.optional().describe('Resolved to a product id through price-watch when `productId` is absent.'),
};
const exactlyOneProductRef = (value: { productId?: string | undefined; gtin?: string | undefined }) =>
  value.productId !== undefined || value.gtin !== undefined;
const productRefMessage = { message: 'give productId or gtin', path: ['productId'] };

const CatalogItemFields = {
  ...productRef,
  name: z.string().trim().min(1).max(300),
  brand: z.string().trim().min(1).max(200).optional(),
  priceCents: PriceCents,
  onHand: z.number().int().min(0).max(10_000_000).default(0),
  active: z.boolean().default(true),
};

export const CreateCatalogItem = z
  .strictObject({ locationId: Uuid, ...CatalogItemFields })
  .refine(exactlyOneProductRef, productRefMessage)
  .meta({ id: 'CreateCatalogItem' });
export type CreateCatalogItem = z.infer<typeof CreateCatalogItem>;

export const UpdateCatalogItem = z
  .strictObject({
    name: z.string().trim().min(1).max(300).optional(),
    brand: z.string().trim().min(1).max(200).nullable().optional(),
    priceCents: PriceCents.optional(),
    active: z.boolean().optional(),
  })
  .refine((value) => Object.keys(value).length > 0, { message: 'nothing to update' })
  .meta({ id: 'UpdateCatalogItem' });
export type UpdateCatalogItem = z.infer<typeof UpdateCatalogItem>;

export const CatalogImportItem = z
  .strictObject({
    ...CatalogItemFields,
    onHand: z
      .number()
      .int()
      .min(0)
      .max(10_000_000)
      .optional()
      .describe('Units on hand; absent keeps the current count (0 for a new item).'),
    active: z.boolean().optional().describe('Absent keeps the current flag (true for a new item).'),
  })
  .refine(exactlyOneProductRef, productRefMessage)
  .meta({ id: 'CatalogImportItem' });

export const CatalogImport = z
  .strictObject({ locationId: Uuid, items: z.array(CatalogImportItem).min(1).max(1000) })
  .meta({ id: 'CatalogImport' });
export type CatalogImport = z.infer<typeof CatalogImport>;

export const CatalogItem = z
  .object({
    id: Uuid,
    locationId: Uuid,
    productId: Uuid,
    gtin: Gtin.nullable(),
    name: z.string(),
    brand: z.string().nullable(),
    priceCents: MinorUnits,
    currency: Currency,
    onHand: z.number().int(),
    reserved: z.number().int(),
    available: z.number().int().describe('onHand - reserved'),
    active: z.boolean(),
    deletedAt: Timestamp.nullable(),
    updatedAt: Timestamp,
  })
  .meta({ id: 'CatalogItem' });
export type CatalogItem = z.infer<typeof CatalogItem>;
export const CatalogItemPage = pageOf(CatalogItem).meta({ id: 'CatalogItemPage' });

export const CatalogImportResult = z
  .object({
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    items: z.array(CatalogItem),
  })
  .meta({ id: 'CatalogImportResult' });

export const CatalogQuery = PaginationQuery.extend({
  location: Uuid,
  q: z.string().trim().min(1).max(100).optional().describe('Matches name, brand or GTIN.'),
  includeInactive: BooleanQuery.optional().describe(
    "Admins and the location's store staff only: also inactive items.",
  ),
  includeDeleted: BooleanQuery.optional().describe(
    "Admins and the location's store staff only: also soft-deleted items.",
  ),
}).strict();
export type CatalogQuery = z.infer<typeof CatalogQuery>;

export const StockAdjustment = z
  .strictObject({
    delta: z
      .number()
      .int()
      .min(-10_000_000)
      .max(10_000_000)
      .refine((n) => n !== 0, 'must not be 0'),
    reason: Reason,
  })
  .meta({ id: 'StockAdjustment' });
export type StockAdjustment = z.infer<typeof StockAdjustment>;

// ---- cart ----

export const CartQuery = z.strictObject({ location: Uuid });

export const AddCartItem = z
  .strictObject({ locationId: Uuid, ...productRef, quantity: Quantity })
  .refine(exactlyOneProductRef, productRefMessage)
  .meta({ id: 'AddCartItem' });
export type AddCartItem = z.infer<typeof AddCartItem>;

export const UpdateCartItem = z.strictObject({ quantity: Quantity }).meta({ id: 'UpdateCartItem' });

export const RemoveCartItem = z
  .strictObject({ locationId: Uuid, ...productRef, quantity: Quantity })
  .refine(exactlyOneProductRef, productRefMessage)
  .meta({ id: 'RemoveCartItem' });
export type RemoveCartItem = z.infer<typeof RemoveCartItem>;

export const CartLine = z
  .object({
    id: Uuid,
    catalogItemId: Uuid,
    productId: Uuid,
    gtin: Gtin.nullable(),
    name: z.string(),
    unitPriceCents: MinorUnits,
    quantity: z.number().int(),
    lineTotalCents: MinorUnits,
    available: z.number().int().describe('Units in stock now; checkout fails when below quantity.'),
  })
  .meta({ id: 'CartLine' });

export const Cart = z
  .object({
    id: Uuid.nullable().describe('null while the user has no cart at this location yet'),
    userId: Uuid,
    locationId: Uuid,
    currency: Currency,
    items: z.array(CartLine),
    itemCount: z.number().int(),
    subtotalCents: MinorUnits,
  })
  .meta({ id: 'Cart' });
export type Cart = z.infer<typeof Cart>;

// ---- orders ----

export const PlaceOrder = z.strictObject({ locationId: Uuid }).meta({ id: 'PlaceOrder' });
export type PlaceOrder = z.infer<typeof PlaceOrder>;

export const IdempotencyKeyHeader = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, '1-255 visible ASCII characters')
  .describe('Client-chosen key; the same key and body replay the first response.');

export const OrderItem = z
  .object({
    id: Uuid,
    catalogItemId: Uuid,
    productId: Uuid,
    gtin: Gtin.nullable(),
    name: z.string(),
    unitPriceCents: MinorUnits,
    quantity: z.number().int(),
    lineTotalCents: MinorUnits,
  })
  .meta({ id: 'OrderItem' });

export const Order = z
  .object({
    id: Uuid,
    userId: Uuid,
    locationId: Uuid,
    status: OrderStatus,
    currency: Currency,
    totalCents: MinorUnits,
    itemCount: z.number().int(),
    items: z.array(OrderItem),
    expiresAt: Timestamp.nullable().describe('When an unpaid PENDING order is cancelled automatically'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Order' });
export type Order = z.infer<typeof Order>;

export const OrderSummary = Order.omit({ items: true }).meta({ id: 'OrderSummary' });
export const OrderSummaryPage = pageOf(OrderSummary).meta({ id: 'OrderSummaryPage' });

export const OrderListQuery = PaginationQuery.extend({
  status: OrderStatus.optional(),
  all: BooleanQuery.optional().describe("Admins only: every user's orders."),
}).strict();
export type OrderListQuery = z.infer<typeof OrderListQuery>;

export const OrderStatusChange = z
  .object({
    id: Uuid,
    from: OrderStatus.nullable(),
    to: OrderStatus,
    actor: z
      .string()
      .describe('`user:<id>`, `admin:<id>`, `staff:<id>`, `provider:<payment provider>` or `system:<job>`'),
    reason: z.string().nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: 'OrderStatusChange' });
export const OrderStatusChangePage = pageOf(OrderStatusChange).meta({ id: 'OrderStatusChangePage' });

export const CancelOrder = z.strictObject({ reason: Reason.optional() }).meta({ id: 'CancelOrder' });
export const SetOrderStatus = z
  .strictObject({
    status: OrderStatus.exclude(['PAID', 'REFUNDED'], {
      error:
        'PAID comes only from a payment (the provider or POST /orders/{id}/in-store-payment), REFUNDED only from POST /orders/{id}/refund',
    }).describe('PAID and REFUNDED are never set here: they follow a payment or a refund'),
    reason: Reason.optional(),
  })
  .meta({ id: 'SetOrderStatus' });
export type SetOrderStatus = z.infer<typeof SetOrderStatus>;

export const OrdersIdParams = z.strictObject({ id: Uuid });

// ---- payments ----

/**
 * `stripe` (PaymentIntents), `test` (the local stand-in production refuses), `in_store` (recorded by store
 * staff: cash or a card terminal at the counter).
 */
export const paymentProviders = ['stripe', 'test', 'in_store'] as const;
export const PaymentProviderName = z.enum(paymentProviders).meta({ id: 'PaymentProvider' });
export type PaymentProviderName = z.infer<typeof PaymentProviderName>;

export const paymentStatuses = ['PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export const PaymentStatus = z.enum(paymentStatuses).meta({ id: 'PaymentStatus' });
export type PaymentStatus = z.infer<typeof PaymentStatus>;

export const refundStatuses = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export const RefundStatus = z.enum(refundStatuses).meta({ id: 'RefundStatus' });
export type RefundStatus = z.infer<typeof RefundStatus>;

/** No fields: the shopper starts a payment; only the provider (or store staff) confirms it. */
export const PayOrder = z.strictObject({}).meta({ id: 'PayOrder' });

export const Payment = z
  .object({
    id: Uuid,
    orderId: Uuid,
    provider: PaymentProviderName,
    status: PaymentStatus,
    providerReference: z
      .string()
      .nullable()
      .describe("The provider's id (Stripe PaymentIntent id, the till reference of an in-store payment)."),
    amountCents: MinorUnits,
    currency: Currency,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Payment' });
export type Payment = z.infer<typeof Payment>;

export const PaymentStart = z
  .object({
    order: Order.describe("Still PENDING: it becomes PAID on the provider's signed confirmation."),
    payment: Payment,
    clientSecret: z
      .string()
      .describe(
        'What the client completes the payment with: Stripe.js `confirmPayment` (stripe), ' +
          '`POST /payments/test/confirm` (test). Show it to no one but the payer.',
      ),
    publishableKey: z
      .string()
      .nullable()
      .describe('Stripe publishable key for Stripe.js (stripe); null for the test provider.'),
  })
  .meta({ id: 'PaymentStart' });
export type PaymentStart = z.infer<typeof PaymentStart>;

export const RecordInStorePayment = z
  .strictObject({
    reference: z.string().trim().min(1).max(200).describe('Till receipt or card-terminal reference.'),
    amountCents: AmountCents.min(0).describe("Must equal the order's total."),
  })
  .meta({ id: 'RecordInStorePayment' });
export type RecordInStorePayment = z.infer<typeof RecordInStorePayment>;

export const RefundOrder = z
  .strictObject({
    reason: Reason.optional(),
    restock: z
      .boolean()
      .optional()
      .describe('For a DELIVERED order: put the returned units back on hand (default false).'),
  })
  .meta({ id: 'RefundOrder' });
export type RefundOrder = z.infer<typeof RefundOrder>;

export const Refund = z
  .object({
    id: Uuid,
    orderId: Uuid,
    paymentId: Uuid,
    provider: PaymentProviderName,
    status: RefundStatus,
    providerReference: z.string().nullable(),
    amountCents: MinorUnits,
    currency: Currency,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Refund' });
export type Refund = z.infer<typeof Refund>;

export const RefundResult = z
  .object({
    order: Order.describe(
      'REFUNDED once the refund succeeded; unchanged while it is PENDING at the provider.',
    ),
    refund: Refund,
  })
  .meta({ id: 'RefundResult' });
export type RefundResult = z.infer<typeof RefundResult>;

export const ConfirmTestPayment = z
  .strictObject({
    clientSecret: z.string().min(1).max(300),
    outcome: z.enum(['succeeded', 'failed']).default('succeeded'),
  })
  .meta({ id: 'ConfirmTestPayment' });
export type ConfirmTestPayment = z.infer<typeof ConfirmTestPayment>;

export const WebhookReceipt = z
  .object({
    received: z.literal(true),
    outcome: z
      .enum(['applied', 'duplicate', 'ignored'])
      .describe('`duplicate`: this event id was applied before; `ignored`: nothing CartWatch tracks.'),
  })
  .meta({ id: 'WebhookReceipt' });
export type WebhookReceipt = z.infer<typeof WebhookReceipt>;

export const PaymentWebhookParams = z.strictObject({ provider: z.enum(['stripe', 'test']) });

/**
 * Request and response schemas of the orders service (store catalog, inventory, carts, orders).
 * Routes validate with these and register them in OpenAPI, so the documentation is the validation.
 */
import { z } from 'zod';
import { Timestamp, Uuid } from '../ids.js';
import { Currency, MinorUnits } from '../money.js';
import { PaginationQuery, pageOf } from '../pagination.js';

const Gtin = z.string().regex(/^\d{8,14}$/, 'GTIN digits (UPC-A, EAN-8/13, GTIN-14)');
const PriceCents = MinorUnits.min(0);
const Quantity = z.number().int().min(1).max(1000);
const Reason = z.string().trim().min(1).max(500);
const booleanQuery = z.enum(['true', 'false']).transform((value) => value === 'true');

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
  includeInactive: booleanQuery.optional().describe('Admins only: also inactive items.'),
  includeDeleted: booleanQuery.optional().describe('Admins only: also soft-deleted items.'),
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
  all: booleanQuery.optional().describe("Admins only: every user's orders."),
}).strict();
export type OrderListQuery = z.infer<typeof OrderListQuery>;

export const OrderStatusChange = z
  .object({
    id: Uuid,
    from: OrderStatus.nullable(),
    to: OrderStatus,
    actor: z.string().describe('`user:<id>`, `admin:<id>` or `system:<job>`'),
    reason: z.string().nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: 'OrderStatusChange' });
export const OrderStatusChangePage = pageOf(OrderStatusChange).meta({ id: 'OrderStatusChangePage' });

export const CancelOrder = z.strictObject({ reason: Reason.optional() }).meta({ id: 'CancelOrder' });
export const PayOrder = z
  .strictObject({ reference: z.string().trim().min(1).max(200).optional() })
  .meta({ id: 'PayOrder' });
export const SetOrderStatus = z
  .strictObject({
    status: OrderStatus,
    reason: Reason.optional(),
    restock: z
      .boolean()
      .optional()
      .describe('On DELIVERED -> REFUNDED: put the returned units back on hand (default false).'),
  })
  .meta({ id: 'SetOrderStatus' });
export type SetOrderStatus = z.infer<typeof SetOrderStatus>;

export const OrdersIdParams = z.strictObject({ id: Uuid });

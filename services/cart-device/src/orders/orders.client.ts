/**
 * What cart-device needs from orders: resolve a barcode in a location's catalog, and read or change a
 * shopper's cart there. The HTTP adapter speaks orders' internal API (contract in README.md,
 * "Depends on orders"); tests run it against a loopback fake of those routes.
 */
import type { UserRole } from '@cartwatch/common-types';
import { createInternalClient, InternalHttpError } from '@cartwatch/service-kit';
import type { Logger } from 'pino';
import { z } from 'zod';

export const CatalogProduct = z.object({
  productId: z.uuid(),
  gtin: z.string().nullable().optional(),
  name: z.string(),
  priceCents: z.number().int(),
  currency: z.string(),
});
export type CatalogProduct = z.infer<typeof CatalogProduct>;

/** The fields of orders' Cart this service reads; extra fields are ignored. */
export const CartSnapshot = z.object({
  id: z.uuid().nullable(),
  locationId: z.uuid(),
  currency: z.string(),
  itemCount: z.number().int(),
  subtotalCents: z.number().int(),
  items: z.array(
    z.object({
      productId: z.uuid(),
      name: z.string(),
      quantity: z.number().int(),
      lineTotalCents: z.number().int(),
    }),
  ),
});
export type CartSnapshot = z.infer<typeof CartSnapshot>;

export interface CallContext {
  requestId?: string | undefined;
}

export interface CartChange {
  user: { id: string; role: UserRole };
  locationId: string;
  productId: string;
  quantity: number;
  /** The same key is applied once by orders, so a retried scan never adds twice. */
  idempotencyKey: string;
}

export interface OrdersClient {
  /** The active catalog product with this barcode at the location, or undefined. */
  findProductByBarcode(
    locationId: string,
    barcode: string,
    ctx?: CallContext,
  ): Promise<CatalogProduct | undefined>;
  addToCart(change: CartChange, ctx?: CallContext): Promise<CartSnapshot>;
  removeFromCart(change: CartChange, ctx?: CallContext): Promise<CartSnapshot>;
  getCart(user: { id: string; role: UserRole }, locationId: string, ctx?: CallContext): Promise<CartSnapshot>;
}

export function createHttpOrdersClient(options: {
  baseUrl: string;
  serviceKey: string;
  logger?: Logger;
  timeoutMs?: number;
}): OrdersClient {
  const client = createInternalClient({
    baseUrl: options.baseUrl,
    serviceKey: options.serviceKey,
    caller: 'cart-device',
    ...(options.logger && { logger: options.logger }),
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
  });
  const requestIdOf = (ctx?: CallContext) =>
    ctx?.requestId === undefined ? {} : { requestId: ctx.requestId };

  function changeCart(path: string, change: CartChange, ctx?: CallContext) {
    return client.post(
      path,
      { locationId: change.locationId, productId: change.productId, quantity: change.quantity },
      { schema: CartSnapshot, user: change.user, idempotencyKey: change.idempotencyKey, ...requestIdOf(ctx) },
    );
  }

  return {
    async findProductByBarcode(locationId, barcode, ctx) {
      try {
        return await client.get('/internal/catalog/lookup', {
          query: { location: locationId, gtin: barcode },
          schema: CatalogProduct,
          ...requestIdOf(ctx),
        });
      } catch (error) {
        if (error instanceof InternalHttpError && error.upstreamStatus === 404) return undefined;
        throw error;
      }
    },
    addToCart: (change, ctx) => changeCart('/internal/cart/items', change, ctx),
    removeFromCart: (change, ctx) => changeCart('/internal/cart/items/remove', change, ctx),
    getCart: (user, locationId, ctx) =>
      client.get('/internal/cart', {
        query: { location: locationId },
        schema: CartSnapshot,
        user,
        ...requestIdOf(ctx),
      }),
  };
}

/**
 * What cart-device needs from orders: put scanned units into (or take them out of) a shopper's cart at
 * a location, by barcode, and read that cart; and which retailer a store location belongs to (orders
 * owns locations), so carts and layouts are managed by that retailer's staff. The HTTP adapter speaks
 * orders' internal routes (`/internal/carts/{userId}...`, `/internal/locations...`, see README.md
 * "Depends on orders") with the request and response schemas of common-types; tests run it against a
 * loopback fake of those routes that validates with the same schemas.
 */
import {
  type AddCartItem,
  Cart,
  CartLine,
  type RemoveCartItem,
  RetailerLocationIds,
  StoreLocation,
} from '@cartwatch/common-types';
import { createInternalClient, InternalHttpError } from '@cartwatch/service-kit';
import type { Logger } from 'pino';
import { z } from 'zod';

/**
 * The fields of orders' `Cart` (common-types) this service reads; extra fields are ignored. Picked from
 * the shared schema, so a field orders renames or retypes breaks this build, not a shopper's scan.
 */
export const CartSnapshot = Cart.pick({
  id: true,
  locationId: true,
  currency: true,
  itemCount: true,
  subtotalCents: true,
}).extend({
  items: z.array(
    CartLine.pick({ productId: true, gtin: true, name: true, quantity: true, lineTotalCents: true }),
  ),
});
export type CartSnapshot = z.infer<typeof CartSnapshot>;

/** The fields of orders' `StoreLocation` this service reads. */
export const LocationOwner = StoreLocation.pick({ id: true, storeSlug: true });
export type LocationOwner = z.infer<typeof LocationOwner>;

export interface CallContext {
  requestId?: string | undefined;
}

export interface BarcodeChange {
  userId: string;
  locationId: string;
  barcode: string;
  quantity: number;
}

export interface OrdersClient {
  /** Adds units of the location's catalog product with this barcode; NOT_FOUND when there is none. */
  addByBarcode(change: BarcodeChange, ctx?: CallContext): Promise<CartSnapshot>;
  /** Takes units off the cart line with this barcode; NOT_FOUND when the cart has none. */
  removeByBarcode(change: BarcodeChange, ctx?: CallContext): Promise<CartSnapshot>;
  getCart(userId: string, locationId: string, ctx?: CallContext): Promise<CartSnapshot>;
  /** The location with its retailer; undefined when orders has no such location. */
  findLocation(locationId: string, ctx?: CallContext): Promise<LocationOwner | undefined>;
  /** The ids of every location of a retailer (none for an unknown one). */
  locationIdsOfRetailer(storeSlug: string, ctx?: CallContext): Promise<string[]>;
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
  const cartPath = (userId: string) => `/internal/carts/${encodeURIComponent(userId)}`;

  // No idempotency key: orders' internal cart routes do not de-duplicate, so the client must not retry
  // these POSTs (a timed-out add may have been applied). De-duplication is ours, per (device, scanId).
  const change = (suffix: string, input: BarcodeChange, ctx?: CallContext) =>
    client.post(
      `${cartPath(input.userId)}${suffix}`,
      {
        locationId: input.locationId,
        gtin: input.barcode,
        quantity: input.quantity,
      } satisfies AddCartItem & RemoveCartItem,
      { schema: CartSnapshot, ...requestIdOf(ctx) },
    );

  return {
    addByBarcode: (input, ctx) => change('/items', input, ctx),
    removeByBarcode: (input, ctx) => change('/items/remove', input, ctx),
    getCart: (userId, locationId, ctx) =>
      client.get(cartPath(userId), {
        query: { location: locationId },
        schema: CartSnapshot,
        ...requestIdOf(ctx),
      }),
    async findLocation(locationId, ctx) {
      try {
        return await client.get(`/internal/locations/${encodeURIComponent(locationId)}`, {
          schema: LocationOwner,
          ...requestIdOf(ctx),
        });
      } catch (error) {
        if (error instanceof InternalHttpError && error.upstreamStatus === 404) return undefined;
        throw error;
      }
    },
    async locationIdsOfRetailer(storeSlug, ctx) {
      const answer = await client.get('/internal/locations', {
        query: { store: storeSlug },
        schema: RetailerLocationIds,
        ...requestIdOf(ctx),
      });
      return answer.locationIds;
    },
  };
}

/**
 * Carts: one per user and store location. Adding checks stock without reserving it (checkout reserves);
 * every change publishes `cart.updated.v1` in the same transaction.
 */
import { type Cart, eventCatalog } from '@cartwatch/common-types';
import { type Database, type Executor, newId, withTransaction } from '@cartwatch/db';
import { type PendingEvent, publishMany } from '@cartwatch/events';
import { AppError } from '@cartwatch/service-kit';
import type { Transaction } from 'kysely';
import * as catalog from '../catalog/catalog.repository.js';
import type { ProductResolver } from '../catalog/product-resolver.js';
import type { DB } from '../db/schema.js';
import { assertTotalInRange, outOfStock } from '../errors.js';
import * as carts from './cart.repository.js';

export interface CartDeps {
  database: Database<DB>;
  resolver: ProductResolver;
}

export interface ProductRef {
  productId?: string | undefined;
  gtin?: string | undefined;
}

async function requireLocation(db: Executor<DB>, locationId: string): Promise<catalog.LocationRow> {
  const location = await catalog.findLocation(db, locationId);
  if (!location) throw AppError.notFound('store location');
  return location;
}

/** What a cart shows of its store location. */
type CartLocation = Pick<catalog.LocationRow, 'id' | 'currency'>;

/** The cart as the API shows it; `cart` undefined = the user has none here yet (an empty cart). */
async function cartView(
  db: Executor<DB>,
  userId: string,
  location: CartLocation,
  cart: carts.CartRow | undefined,
): Promise<Cart> {
  const lines = cart ? await carts.listCartLines(db, cart.id) : [];
  const items = lines.map((line) => ({
    id: line.id,
    catalogItemId: line.catalog_item_id,
    productId: line.product_id,
    gtin: line.gtin,
    name: line.name,
    unitPriceCents: line.price_cents,
    quantity: line.quantity,
    lineTotalCents: line.price_cents * line.quantity,
    available: line.available,
  }));
  return {
    id: cart?.id ?? null,
    userId,
    locationId: location.id,
    currency: location.currency,
    items,
    itemCount: items.reduce((sum, item) => sum + item.quantity, 0),
    subtotalCents: items.reduce((sum, item) => sum + item.lineTotalCents, 0),
  };
}

/** `cart.updated.v1` for the cart's new totals, to write in the transaction that changed it. */
export function cartUpdatedEvent(
  userId: string,
  location: CartLocation,
  cartId: string,
  totals: Pick<Cart, 'itemCount' | 'subtotalCents'>,
): PendingEvent<typeof eventCatalog.cartUpdated> {
  return {
    definition: eventCatalog.cartUpdated,
    event: {
      source: 'orders',
      subjectId: cartId,
      userId,
      data: {
        cartId,
        userId,
        locationId: location.id,
        itemCount: totals.itemCount,
        subtotalCents: totals.subtotalCents,
        currency: location.currency,
      },
    },
  };
}

/**
 * Reads the cart after a change and writes `cart.updated.v1` to the outbox; returns the view. A change
 * that added units (`grew`) must leave the subtotal in range; one that took some away may always go.
 */
export async function publishCartUpdated(
  trx: Transaction<DB>,
  userId: string,
  location: CartLocation,
  cart: carts.CartRow,
  change: { grew: boolean } = { grew: false },
): Promise<Cart> {
  const view = await cartView(trx, userId, location, cart);
  if (change.grew) assertTotalInRange(view.subtotalCents, 'quantity');
  await publishMany(trx, [cartUpdatedEvent(userId, location, cart.id, view)]);
  return view;
}

export async function getCart(deps: CartDeps, userId: string, locationId: string): Promise<Cart> {
  const { db } = deps.database;
  const location = await requireLocation(db, locationId);
  return cartView(db, userId, location, await carts.findCart(db, userId, locationId));
}

/**
 * The sellable catalog item for a product id or GTIN at the location, with the location's currency (a
 * GTIN the catalog lacks is resolved by price-watch). 404 for an unknown location, then for an unknown item.
 */
async function findSellable(
  deps: CartDeps,
  locationId: string,
  ref: ProductRef,
  requestId?: string,
): Promise<catalog.CatalogItemRow> {
  const { db } = deps.database;
  let item = await catalog.findSellableItem(db, locationId, ref);
  if (!item) {
    await requireLocation(db, locationId);
    if (ref.productId === undefined && ref.gtin !== undefined) {
      const productId = await deps.resolver.resolve({ gtin: ref.gtin }, { requestId });
      item = await catalog.findSellableItem(db, locationId, { productId });
    }
  }
  if (!item) throw AppError.notFound('catalog item');
  return item;
}

export async function addCartItem(
  deps: CartDeps,
  userId: string,
  input: ProductRef & { locationId: string; quantity: number },
  requestId?: string,
): Promise<Cart> {
  const item = await findSellable(deps, input.locationId, input, requestId);
  const location = { id: item.location_id, currency: item.currency };
  return withTransaction(deps.database.db, async (trx) => {
    const { cart, line } = await carts.addToCart(
      trx,
      { id: newId(), user_id: userId, location_id: location.id },
      { id: newId(), catalogItemId: item.id, quantity: input.quantity },
    );
    if (!line) {
      const inCart = (await carts.listCartLines(trx, cart.id)).find((l) => l.catalog_item_id === item.id);
      const fresh = await catalog.findCatalogItem(trx, item.id);
      throw outOfStock([
        {
          catalogItemId: item.id,
          productId: item.product_id,
          requested: input.quantity + (inCart?.quantity ?? 0),
          available: fresh ? fresh.on_hand - fresh.reserved : 0,
        },
      ]);
    }
    return publishCartUpdated(trx, userId, location, cart, { grew: true });
  });
}

export async function updateCartItem(
  deps: CartDeps,
  userId: string,
  lineId: string,
  quantity: number,
): Promise<Cart> {
  return withTransaction(deps.database.db, async (trx) => {
    const line = await carts.findUsersLine(trx, userId, lineId);
    if (!line) throw AppError.notFound('cart item');
    const cartId = await carts.setLineQuantity(trx, userId, lineId, quantity);
    if (!cartId) {
      const item = await catalog.findCatalogItem(trx, line.catalog_item_id);
      throw outOfStock([
        {
          catalogItemId: line.catalog_item_id,
          productId: item?.product_id ?? '',
          requested: quantity,
          available: line.available,
        },
      ]);
    }
    const location = await requireLocation(trx, line.location_id);
    return publishCartUpdated(
      trx,
      userId,
      location,
      { id: cartId, user_id: userId, location_id: location.id },
      { grew: quantity > line.quantity },
    );
  });
}

export async function deleteCartItem(deps: CartDeps, userId: string, lineId: string): Promise<Cart> {
  return withTransaction(deps.database.db, async (trx) => {
    const line = await carts.findUsersLine(trx, userId, lineId);
    if (!line) throw AppError.notFound('cart item');
    await carts.deleteUsersLine(trx, userId, lineId);
    const location = await requireLocation(trx, line.location_id);
    return publishCartUpdated(trx, userId, location, {
      id: line.cart_id,
      user_id: userId,
      location_id: location.id,
    });
  });
}

/** For cart-device: takes units of a product off the user's cart (the line goes when none remain). */
export async function removeCartUnits(
  deps: CartDeps,
  userId: string,
  input: ProductRef & { locationId: string; quantity: number },
): Promise<Cart> {
  const location = await requireLocation(deps.database.db, input.locationId);
  const cart = await carts.findCart(deps.database.db, userId, location.id);
  if (!cart) throw AppError.notFound('cart item');
  // A product removed from the catalog since it was scanned can still be taken out of the cart.
  let item = await catalog.findSellableItem(deps.database.db, location.id, input);
  if (!item && input.productId === undefined && input.gtin !== undefined) {
    const lines = await carts.listCartLines(deps.database.db, cart.id);
    const line = lines.find((l) => l.gtin === input.gtin);
    if (line) item = await catalog.findCatalogItem(deps.database.db, line.catalog_item_id);
  }
  if (!item && input.productId !== undefined) {
    const lines = await carts.listCartLines(deps.database.db, cart.id);
    const line = lines.find((l) => l.product_id === input.productId);
    if (line) item = await catalog.findCatalogItem(deps.database.db, line.catalog_item_id);
  }
  if (!item) throw AppError.notFound('cart item');
  const catalogItemId = item.id;
  return withTransaction(deps.database.db, async (trx) => {
    const removed = await carts.removeFromCart(trx, cart.id, catalogItemId, input.quantity);
    if (!removed) throw AppError.notFound('cart item');
    return publishCartUpdated(trx, userId, location, cart);
  });
}

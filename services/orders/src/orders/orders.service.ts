/**
 * Checkout and the order lifecycle. Checkout reserves stock, creates the PENDING order with price
 * snapshots, empties the cart and writes `order.placed.v1`, all in one transaction; every status change
 * is a guarded update with its stock effect, a history row and `order.status-changed.v1`. An order is
 * its shopper's and its store's: admins and store staff of the retailer it was placed at read it and move
 * it; anyone else gets 404.
 */
import { createHash } from 'node:crypto';
import {
  eventCatalog,
  IdCursor,
  type Order,
  type OrderListQuery,
  type OrderStatus,
  type Page,
  type PlaceOrder,
  pageFromRows,
} from '@cartwatch/common-types';
import { type Database, type Executor, newId, withTransaction } from '@cartwatch/db';
import { publish, publishMany } from '@cartwatch/events';
import { AppError, type CurrentUser, managesRetailer } from '@cartwatch/service-kit';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import { cartUpdatedEvent } from '../cart/cart.service.js';
import type { DB } from '../db/schema.js';
import { assertTotalInRange, outOfStock } from '../errors.js';
import * as idempotency from './idempotency.repository.js';
import { allowedTransitions, canTransition, stockEffectOf } from './order-status.js';
import * as orders from './orders.repository.js';

export interface OrdersDeps {
  database: Database<DB>;
  logger: Logger;
  pendingOrderTtlSeconds: number;
  idempotencyLockTimeoutSeconds: number;
}

export function toOrder(row: orders.OrderRow, items: orders.OrderItemRow[]): Order {
  return {
    ...toOrderSummary(row),
    items: items.map((item) => ({
      id: item.id,
      catalogItemId: item.catalog_item_id,
      productId: item.product_id,
      gtin: item.gtin,
      name: item.name,
      unitPriceCents: item.unit_price_cents,
      quantity: item.quantity,
      lineTotalCents: item.unit_price_cents * item.quantity,
    })),
  };
}

export function toOrderSummary(row: orders.OrderRow): Omit<Order, 'items'> {
  return {
    id: row.id,
    userId: row.user_id,
    locationId: row.location_id,
    status: row.status as OrderStatus,
    currency: row.currency,
    totalCents: row.total_cents,
    itemCount: row.item_count,
    expiresAt: row.expires_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export interface CheckoutResponse {
  status: number;
  body: Order;
  replayed: boolean;
}

function requestHash(input: PlaceOrder): string {
  return createHash('sha256')
    .update(JSON.stringify({ locationId: input.locationId }))
    .digest('hex');
}

/**
 * `POST /orders` with an Idempotency-Key: the same key and body replay the first response; the same
 * key with another body is 422; the same key while the first request runs is 409. A checkout that
 * fails (empty cart, out of stock) changed nothing, so its key is released for a retry.
 */
export async function checkout(
  deps: OrdersDeps,
  userId: string,
  input: PlaceOrder,
  key: string,
): Promise<CheckoutResponse> {
  const { db } = deps.database;
  const hash = requestHash(input);
  const existing = await idempotency.claimKey(db, {
    userId,
    key,
    requestHash: hash,
    lockTimeoutSeconds: deps.idempotencyLockTimeoutSeconds,
  });
  if (existing) {
    if (existing.request_hash !== hash) {
      throw AppError.unprocessable('this Idempotency-Key was used with a different request', {
        reason: 'IDEMPOTENCY_KEY_REUSED',
      });
    }
    if (existing.state === 'completed') {
      return {
        status: existing.response_status ?? 201,
        body: existing.response_body as Order,
        replayed: true,
      };
    }
    const takenOver =
      existing.stale &&
      (await idempotency.takeOverStaleKey(db, {
        userId,
        key,
        lockTimeoutSeconds: deps.idempotencyLockTimeoutSeconds,
      }));
    if (!takenOver) {
      throw AppError.conflict('a request with this Idempotency-Key is still in progress', {
        reason: 'IDEMPOTENCY_KEY_IN_PROGRESS',
      });
    }
  }
  try {
    const order = await withTransaction(db, async (trx) => {
      const placed = await placeOrderInTransaction(trx, deps, userId, input.locationId);
      await idempotency.completeKey(trx, { userId, key, status: 201, body: placed });
      return placed;
    });
    return { status: 201, body: order, replayed: false };
  } catch (error) {
    await idempotency.releaseKey(db, userId, key).catch((releaseError: unknown) => {
      deps.logger.warn(
        { err: releaseError },
        'could not release idempotency key; it expires by lock timeout',
      );
    });
    throw error;
  }
}

/**
 * The checkout transaction, in as few statements as it can be (each is a round trip to Postgres, the
 * cost that bounds checkouts per second; bench/README.md "orders"): read location, cart and lines with
 * the cart locked; write the order, its items and history and empty the cart; reserve the stock; write
 * both events. The stock rows are the only contended ones (a hot product is in many carts), so they are
 * locked late, after everything else is written: a shortage rolls it all back. Prices are read with the
 * cart and checked again by the reservation.
 */
async function placeOrderInTransaction(
  trx: Transaction<DB>,
  deps: OrdersDeps,
  userId: string,
  locationId: string,
): Promise<Order> {
  const checkout = await orders.readCheckout(trx, userId, locationId);
  if (!checkout) throw AppError.notFound('store location');
  const { currency, cartId, lines } = checkout;
  if (cartId === null || lines.length === 0)
    throw AppError.unprocessable('the cart is empty', { reason: 'CART_EMPTY' });

  const unsellable = lines.filter((line) => !line.sellable);
  if (unsellable.length > 0) {
    throw AppError.unprocessable('some items are no longer sold', {
      reason: 'ITEM_UNAVAILABLE',
      catalogItemIds: unsellable.map((line) => line.catalog_item_id),
    });
  }

  const orderId = newId();
  let totalCents = lines.reduce((sum, line) => sum + line.price_cents * line.quantity, 0);
  assertTotalInRange(totalCents, 'locationId');
  const itemCount = lines.reduce((sum, line) => sum + line.quantity, 0);
  const items: orders.OrderItemRow[] = lines.map((line) => ({
    id: newId(),
    order_id: orderId,
    catalog_item_id: line.catalog_item_id,
    product_id: line.product_id,
    gtin: line.gtin,
    name: line.name,
    unit_price_cents: line.price_cents,
    quantity: line.quantity,
  }));
  const row = await orders.insertPlacedOrder(trx, {
    order: {
      id: orderId,
      user_id: userId,
      location_id: locationId,
      status: 'PENDING',
      currency,
      total_cents: totalCents,
      item_count: itemCount,
      expires_at: new Date(Date.now() + deps.pendingOrderTtlSeconds * 1000),
    },
    items,
    history: {
      id: newId(),
      order_id: orderId,
      from_status: null,
      to_status: 'PENDING',
      actor: `user:${userId}`,
      reason: 'placed',
    },
    cartId,
  });

  const reserved = new Map(
    (
      await orders.reserveStock(
        trx,
        lines.map((line) => ({ catalogItemId: line.catalog_item_id, quantity: line.quantity })),
      )
    ).map((stock) => [stock.id, stock]),
  );
  const short = lines.filter((line) => !reserved.has(line.catalog_item_id));
  if (short.length > 0) {
    const available = await orders.availableUnits(
      trx,
      short.map((line) => line.catalog_item_id),
    );
    throw outOfStock(
      short.map((line) => ({
        catalogItemId: line.catalog_item_id,
        productId: line.product_id,
        requested: line.quantity,
        available: available.get(line.catalog_item_id) ?? 0,
      })),
    );
  }
  const repriced = items.filter(
    (item) => reserved.get(item.catalog_item_id)?.price_cents !== item.unit_price_cents,
  );
  if (repriced.length > 0) {
    for (const item of repriced) item.unit_price_cents = reserved.get(item.catalog_item_id)?.price_cents ?? 0;
    totalCents = items.reduce((sum, item) => sum + item.unit_price_cents * item.quantity, 0);
    assertTotalInRange(totalCents, 'locationId');
    row.total_cents = totalCents;
    await orders.repriceOrder(
      trx,
      orderId,
      repriced.map((item) => ({ catalogItemId: item.catalog_item_id, priceCents: item.unit_price_cents })),
      totalCents,
    );
  }
  await publishMany(trx, [
    cartUpdatedEvent(userId, { id: locationId, currency }, cartId, { itemCount: 0, subtotalCents: 0 }),
    {
      definition: eventCatalog.orderPlaced,
      event: {
        source: 'orders',
        subjectId: orderId,
        userId,
        data: { orderId, userId, locationId, totalCents, currency, itemCount },
      },
    },
  ]);
  return toOrder(row, items);
}

export interface TransitionRequest {
  orderId: string;
  to: OrderStatus;
  actor: string;
  reason?: string | undefined;
  restock?: boolean | undefined;
  /** When set, the order must belong to this user (else 404). */
  ownerId?: string | undefined;
  /** When set, the order must have been placed at a retailer this user manages (else 404). */
  managedBy?: CurrentUser | undefined;
}

function invalidTransition(from: OrderStatus, to: OrderStatus): AppError {
  const allowed = allowedTransitions[from];
  return AppError.conflict(
    `cannot change an order from ${from} to ${to}; allowed: ${allowed.length > 0 ? allowed.join(', ') : 'none'}`,
    { reason: 'INVALID_TRANSITION', from, to, allowed },
  );
}

/** One guarded transition inside the caller's transaction (the order row is locked first). */
export async function transitionInTransaction(
  trx: Transaction<DB>,
  request: TransitionRequest,
  alsoInTransaction?: (order: orders.OrderRow) => Promise<void>,
): Promise<Order> {
  const current = await orders.lockOrder(trx, request.orderId);
  if (
    !current ||
    (request.ownerId !== undefined && current.user_id !== request.ownerId) ||
    (request.managedBy !== undefined && !(await managesOrder(trx, request.managedBy, current.id)))
  ) {
    throw AppError.notFound('order');
  }
  const from = current.status as OrderStatus;
  if (!canTransition(from, request.to)) throw invalidTransition(from, request.to);
  const updated = await orders.setStatus(trx, current.id, from, request.to);
  if (!updated) throw invalidTransition(from, request.to);
  await alsoInTransaction?.(updated);
  const items = await orders.findOrderItems(trx, current.id);
  const effect = stockEffectOf(from, request.to, request.restock ?? false);
  if (effect !== 'none') {
    await orders.moveStock(
      trx,
      items.map((item) => ({ catalogItemId: item.catalog_item_id, quantity: item.quantity })),
      effect,
    );
  }
  await orders.insertHistory(trx, {
    id: newId(),
    order_id: current.id,
    from_status: from,
    to_status: request.to,
    actor: request.actor,
    reason: request.reason ?? null,
  });
  await publish(trx, eventCatalog.orderStatusChanged, {
    source: 'orders',
    subjectId: current.id,
    userId: current.user_id,
    data: {
      orderId: current.id,
      userId: current.user_id,
      from,
      to: request.to,
      actor: request.actor,
      ...(request.reason !== undefined && { reason: request.reason }),
    },
  });
  return toOrder(updated, items);
}

export async function transitionOrder(deps: OrdersDeps, request: TransitionRequest): Promise<Order> {
  return withTransaction(deps.database.db, (trx) => transitionInTransaction(trx, request));
}

/** `user:<id>`, `staff:<id>` or `admin:<id>`, as the order's history and events name who acted. */
export function actorOf(user: CurrentUser): string {
  return `${user.role}:${user.id}`;
}

/**
 * Whether the user acts for the order's store: admins for every order, store staff for orders placed at
 * their retailer's locations, shoppers never (their own orders are `ownerId`'s business). For every
 * store-side action on an order: status changes, in-store payments, refunds.
 */
export async function managesOrder(db: Executor<DB>, user: CurrentUser, orderId: string): Promise<boolean> {
  if (user.role === 'admin') return true;
  if (user.role !== 'staff') return false;
  return managesRetailer(user, (await orders.findOrderRetailer(db, orderId)) ?? null);
}

/** The order when the user owns it or manages its store; 404 otherwise (never 403: ids are not revealed). */
async function readableOrder(deps: OrdersDeps, user: CurrentUser, orderId: string): Promise<orders.OrderRow> {
  const row = await orders.findOrder(deps.database.db, orderId);
  if (!row || (row.user_id !== user.id && !(await managesOrder(deps.database.db, user, row.id)))) {
    throw AppError.notFound('order');
  }
  return row;
}

export async function getOrder(deps: OrdersDeps, user: CurrentUser, orderId: string): Promise<Order> {
  const row = await readableOrder(deps, user, orderId);
  return toOrder(row, await orders.findOrderItems(deps.database.db, orderId));
}

function decodeIdCursor(cursor: string | undefined): string | undefined {
  return cursor === undefined ? undefined : IdCursor.decode(cursor).id;
}

/** Own orders; with `all`, every order for an admin and the orders of their retailer for store staff. */
function orderListScope(user: CurrentUser, all: boolean): { userId?: string; storeSlug?: string } {
  if (!all) return { userId: user.id };
  if (user.role === 'admin') return {};
  if (user.role === 'staff' && user.retailer !== undefined) return { storeSlug: user.retailer };
  throw AppError.forbidden("only store staff and admins list other users' orders");
}

export async function listOrders(
  deps: OrdersDeps,
  user: CurrentUser,
  query: OrderListQuery,
): Promise<Page<Omit<Order, 'items'>>> {
  const rows = await orders.listOrders(deps.database.db, {
    ...orderListScope(user, query.all ?? false),
    status: query.status,
    limit: query.limit + 1,
    beforeId: decodeIdCursor(query.cursor),
  });
  return pageFromRows(rows, query.limit, toOrderSummary, (last) => IdCursor.encode({ id: last.id }));
}

export async function orderHistory(
  deps: OrdersDeps,
  user: CurrentUser,
  orderId: string,
  page: { limit: number; cursor?: string | undefined },
) {
  await readableOrder(deps, user, orderId);
  const rows = await orders.listHistory(
    deps.database.db,
    orderId,
    page.limit + 1,
    decodeIdCursor(page.cursor),
  );
  return pageFromRows(
    rows,
    page.limit,
    (row) => ({
      id: row.id,
      from: row.from_status as OrderStatus | null,
      to: row.to_status as OrderStatus,
      actor: row.actor,
      reason: row.reason,
      createdAt: row.created_at.toISOString(),
    }),
    (last) => IdCursor.encode({ id: last.id }),
  );
}

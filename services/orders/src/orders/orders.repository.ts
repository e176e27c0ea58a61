/** SQL of orders, their items and status history, and the stock movements they cause. */
import type { Executor } from '@cartwatch/db';
import { type Insertable, type Selectable, sql, type Transaction } from 'kysely';
import type {
  CartItemTable,
  CatalogItemTable,
  DB,
  OrderItemTable,
  OrderStatusHistoryTable,
  OrderTable,
} from '../db/schema.js';

export type OrderRow = Selectable<OrderTable>;
export type OrderItemRow = Selectable<OrderItemTable>;

/** A cart line as checkout reads it: the line, its catalog item's price and stock, and whether it sells. */
export type CheckoutLine = Pick<Selectable<CartItemTable>, 'catalog_item_id' | 'quantity'> &
  Pick<
    Selectable<CatalogItemTable>,
    'product_id' | 'gtin' | 'name' | 'price_cents' | 'on_hand' | 'reserved'
  > & {
    sellable: boolean;
  };

export interface StockLine {
  catalogItemId: string;
  quantity: number;
}

/** Locks the user's cart at the location, so two checkouts of one cart run one after the other. */
/**
 * What a checkout reads, in one statement: the location's currency, the user's cart there (locked, so a
 * concurrent change to it waits for the checkout) and the cart's lines with their catalog items.
 * undefined = no such location; `cartId` null = no cart yet; `lines` empty = nothing to buy.
 */
export async function readCheckout(
  trx: Transaction<DB>,
  userId: string,
  locationId: string,
): Promise<{ currency: string; cartId: string | null; lines: CheckoutLine[] } | undefined> {
  const rows = await trx
    .selectFrom('store_location as l')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('cart')
          .select('cart.id')
          .where('cart.user_id', '=', userId)
          .whereRef('cart.location_id', '=', 'l.id')
          .forNoKeyUpdate()
          .as('c'),
      (join) => join.onTrue(),
    )
    .leftJoin('cart_item as i', 'i.cart_id', 'c.id')
    .leftJoin('catalog_item as ci', 'ci.id', 'i.catalog_item_id')
    .select([
      'l.currency',
      'c.id as cart_id',
      'i.catalog_item_id',
      'ci.product_id',
      'ci.gtin',
      'ci.name',
      'ci.price_cents',
      'i.quantity',
      'ci.on_hand',
      'ci.reserved',
      sql<boolean>`ci.active and ci.deleted_at is null`.as('sellable'),
    ])
    .where('l.id', '=', locationId)
    .orderBy('ci.product_id')
    .execute();
  const first = rows[0];
  if (!first) return undefined;
  const lines: CheckoutLine[] = [];
  for (const row of rows) {
    // A cart without lines is one row of nulls (the left joins found nothing).
    if (row.catalog_item_id === null || row.product_id === null || row.quantity === null) continue;
    lines.push({
      catalog_item_id: row.catalog_item_id,
      product_id: row.product_id,
      gtin: row.gtin,
      name: row.name ?? '',
      price_cents: row.price_cents ?? 0,
      quantity: row.quantity,
      on_hand: row.on_hand ?? 0,
      reserved: row.reserved ?? 0,
      sellable: row.sellable,
    });
  }
  return { currency: first.currency, cartId: first.cart_id, lines };
}

export async function reserveStock(
  trx: Transaction<DB>,
  lines: StockLine[],
): Promise<Array<{ id: string; price_cents: number; on_hand: number; reserved: number }>> {
  const values = sql.join(lines.map((line) => sql`(${line.catalogItemId}::uuid, ${line.quantity}::int)`));
  // The rows are locked in product order first (the materialized CTE runs before the update reads it),
  // so two checkouts of the same products never lock them in opposite orders and deadlock.
  const result = await sql<{ id: string; price_cents: number; on_hand: number; reserved: number }>`
    with v(id, quantity) as (values ${values}),
    locked as materialized (
      select id from catalog_item where id in (select id from v) order by product_id for no key update
    )
    update catalog_item ci set reserved = ci.reserved + v.quantity, updated_at = now()
    from v
    where ci.id = v.id and ci.id in (select id from locked)
      and ci.active and ci.deleted_at is null and ci.on_hand - ci.reserved >= v.quantity
    returning ci.id, ci.price_cents, ci.on_hand, ci.reserved`.execute(trx);
  return result.rows;
}

export async function availableUnits(db: Executor<DB>, ids: string[]): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('catalog_item')
    .select(['id', sql<number>`on_hand - reserved`.as('available')])
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((row) => [row.id, row.available]));
}

/** Re-prices an order whose catalog price changed between reading the cart and reserving (rare). */
export async function repriceOrder(
  trx: Transaction<DB>,
  orderId: string,
  prices: Array<{ catalogItemId: string; priceCents: number }>,
  totalCents: number,
): Promise<void> {
  for (const price of prices) {
    await trx
      .updateTable('order_item')
      .set({ unit_price_cents: price.priceCents })
      .where('order_id', '=', orderId)
      .where('catalog_item_id', '=', price.catalogItemId)
      .execute();
  }
  await trx.updateTable('order').set({ total_cents: totalCents }).where('id', '=', orderId).execute();
}

/** Locks an order's catalog rows in product-id order before a stock movement. */
async function lockItemsOf(trx: Transaction<DB>, lines: StockLine[]): Promise<void> {
  await trx
    .selectFrom('catalog_item')
    .select('id')
    .where(
      'id',
      'in',
      lines.map((line) => line.catalogItemId),
    )
    .orderBy('product_id')
    .forNoKeyUpdate()
    .execute();
}

/** reserved -= q (cancel, refund before shipping); on_hand -= q too when `ship`; on_hand += q on restock. */
export async function moveStock(
  trx: Transaction<DB>,
  lines: StockLine[],
  effect: 'release' | 'ship' | 'restock',
): Promise<void> {
  if (lines.length === 0) return;
  await lockItemsOf(trx, lines);
  const values = sql.join(lines.map((line) => sql`(${line.catalogItemId}::uuid, ${line.quantity}::int)`));
  const set =
    effect === 'release'
      ? sql`reserved = ci.reserved - v.quantity`
      : effect === 'ship'
        ? sql`reserved = ci.reserved - v.quantity, on_hand = ci.on_hand - v.quantity`
        : sql`on_hand = ci.on_hand + v.quantity`;
  await sql`
    update catalog_item ci set ${set}, updated_at = now()
    from (values ${values}) as v(id, quantity)
    where ci.id = v.id`.execute(trx);
}

/**
 * A placed order in one statement: the order, its items, its first history entry, and the cart it was
 * placed from emptied.
 */
export async function insertPlacedOrder(
  trx: Transaction<DB>,
  placed: {
    order: Insertable<OrderTable>;
    items: Insertable<OrderItemTable>[];
    history: Insertable<OrderStatusHistoryTable>;
    cartId: string;
  },
): Promise<OrderRow> {
  return trx
    .with('items', (db) => db.insertInto('order_item').values(placed.items))
    .with('history', (db) => db.insertInto('order_status_history').values(placed.history))
    .with('cleared', (db) => db.deleteFrom('cart_item').where('cart_id', '=', placed.cartId))
    .insertInto('order')
    .values(placed.order)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertHistory(
  db: Executor<DB>,
  entry: Omit<Selectable<OrderStatusHistoryTable>, 'created_at'>,
): Promise<void> {
  await db.insertInto('order_status_history').values(entry).execute();
}

export async function findOrder(db: Executor<DB>, id: string): Promise<OrderRow | undefined> {
  return db.selectFrom('order').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * The retailer (store slug) of the location the order was placed at; undefined for an unknown order. Who
 * may act on an order as its store (status changes, in-store payments, refunds) is decided on this.
 */
export async function findOrderRetailer(db: Executor<DB>, orderId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('order as o')
    .innerJoin('store_location as l', 'l.id', 'o.location_id')
    .select('l.store_slug')
    .where('o.id', '=', orderId)
    .executeTakeFirst();
  return row?.store_slug;
}

export async function lockOrder(trx: Transaction<DB>, id: string): Promise<OrderRow | undefined> {
  return trx.selectFrom('order').selectAll().where('id', '=', id).forNoKeyUpdate().executeTakeFirst();
}

export async function findOrderItems(db: Executor<DB>, orderId: string): Promise<OrderItemRow[]> {
  return db
    .selectFrom('order_item')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('product_id')
    .execute();
}

/** The guarded update of a transition: succeeds only from the status the caller saw. */
export async function setStatus(
  trx: Transaction<DB>,
  id: string,
  from: string,
  to: string,
): Promise<OrderRow | undefined> {
  return trx
    .updateTable('order')
    .set({ status: to, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', from)
    .returningAll()
    .executeTakeFirst();
}

export async function listOrders(
  db: Executor<DB>,
  filter: {
    userId?: string | undefined;
    /** Only orders placed at this retailer's locations. */
    storeSlug?: string | undefined;
    status?: string | undefined;
    limit: number;
    beforeId?: string | undefined;
  },
): Promise<OrderRow[]> {
  let query = db.selectFrom('order').selectAll().orderBy('id', 'desc').limit(filter.limit);
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  if (filter.storeSlug !== undefined) {
    const storeSlug = filter.storeSlug;
    query = query.where('location_id', 'in', (eb) =>
      eb.selectFrom('store_location').select('id').where('store_slug', '=', storeSlug),
    );
  }
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
  return query.execute();
}

export async function listHistory(db: Executor<DB>, orderId: string, limit: number, afterId?: string) {
  let query = db
    .selectFrom('order_status_history')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('id')
    .limit(limit);
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  return query.execute();
}

/** Expired unpaid orders, locked; rows another sweeper holds are skipped, not waited for. */
export async function lockExpiredPendingOrders(
  trx: Transaction<DB>,
  now: Date,
  limit: number,
): Promise<OrderRow[]> {
  return trx
    .selectFrom('order')
    .selectAll()
    .where('status', '=', 'PENDING')
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .limit(limit)
    .forNoKeyUpdate()
    .skipLocked()
    .execute();
}

/** Locks the user's open orders (PENDING, PAID: they still reserve stock), in id order. */
export async function lockOpenOrdersOfUser(trx: Transaction<DB>, userId: string): Promise<{ id: string }[]> {
  return trx
    .selectFrom('order')
    .select('id')
    .where('user_id', '=', userId)
    .where('status', 'in', ['PENDING', 'PAID'])
    .orderBy('id')
    .forNoKeyUpdate()
    .execute();
}

/**
 * Deletes the user's orders, carts and idempotency keys; order_item, order_status_history, payment,
 * refund and cart_item go by ON DELETE CASCADE.
 */
export async function deleteUserData(db: Executor<DB>, userId: string): Promise<void> {
  await db.deleteFrom('order').where('user_id', '=', userId).execute();
  await db.deleteFrom('cart').where('user_id', '=', userId).execute();
  await db.deleteFrom('idempotency_key').where('user_id', '=', userId).execute();
}

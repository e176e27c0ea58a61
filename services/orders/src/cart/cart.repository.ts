/** SQL of carts: one per user and location, lines upserted in one statement each. */
import type { Executor } from '@cartwatch/db';
import { type Selectable, sql } from 'kysely';
import type { CartItemTable, CartTable, CatalogItemTable, DB } from '../db/schema.js';

export type CartRow = Pick<Selectable<CartTable>, 'id' | 'user_id' | 'location_id'>;

/** A cart line with its catalog item's name and price and the units available (on hand minus reserved). */
export type CartLineRow = Pick<Selectable<CartItemTable>, 'id' | 'catalog_item_id' | 'quantity'> &
  Pick<Selectable<CatalogItemTable>, 'product_id' | 'gtin' | 'name' | 'price_cents'> & { available: number };

export async function findCart(
  db: Executor<DB>,
  userId: string,
  locationId: string,
): Promise<CartRow | undefined> {
  return db
    .selectFrom('cart')
    .select(['id', 'user_id', 'location_id'])
    .where('user_id', '=', userId)
    .where('location_id', '=', locationId)
    .executeTakeFirst();
}

export async function listCartLines(db: Executor<DB>, cartId: string): Promise<CartLineRow[]> {
  return db
    .selectFrom('cart_item as i')
    .innerJoin('catalog_item as ci', 'ci.id', 'i.catalog_item_id')
    .select([
      'i.id',
      'i.catalog_item_id',
      'ci.product_id',
      'ci.gtin',
      'ci.name',
      'ci.price_cents',
      'i.quantity',
      sql<number>`ci.on_hand - ci.reserved`.as('available'),
    ])
    .where('i.cart_id', '=', cartId)
    .orderBy('i.id')
    .execute();
}

/**
 * Adds `quantity` units in one statement: the user's cart at the location is created on first use
 * (race-free), and the line is inserted or added to, but only while the catalog has that many units
 * available (a check, not a reservation). `line` is undefined when stock is short; the cart exists then too.
 */
export async function addToCart(
  db: Executor<DB>,
  cart: CartRow,
  line: { id: string; catalogItemId: string; quantity: number },
): Promise<{ cart: CartRow; line: { id: string; quantity: number } | undefined }> {
  const result = await sql<CartRow & { line_id: string | null; quantity: number | null }>`
    with c as (
      insert into cart (id, user_id, location_id) values (${cart.id}, ${cart.user_id}, ${cart.location_id})
      on conflict (user_id, location_id) do update set updated_at = now()
      returning id, user_id, location_id
    ), line as (
      insert into cart_item (id, cart_id, catalog_item_id, quantity)
      select ${line.id}, c.id, ci.id, ${line.quantity}
      from c, catalog_item ci
      where ci.id = ${line.catalogItemId} and ci.on_hand - ci.reserved >= ${line.quantity}
      on conflict (cart_id, catalog_item_id) do update
        set quantity = cart_item.quantity + excluded.quantity, updated_at = now()
        where (select on_hand - reserved from catalog_item where id = excluded.catalog_item_id)
          >= cart_item.quantity + excluded.quantity
      returning id, quantity
    )
    select c.id, c.user_id, c.location_id, line.id as line_id, line.quantity
    from c left join line on true`.execute(db);
  const row = result.rows[0];
  if (!row) throw new Error('the cart upsert returned no row');
  return {
    cart: { id: row.id, user_id: row.user_id, location_id: row.location_id },
    line:
      row.line_id === null || row.quantity === null ? undefined : { id: row.line_id, quantity: row.quantity },
  };
}

/** Sets a line's quantity if the line is the user's and stock allows; returns the cart id. */
export async function setLineQuantity(
  db: Executor<DB>,
  userId: string,
  lineId: string,
  quantity: number,
): Promise<string | undefined> {
  const result = await sql<{ cart_id: string }>`
    update cart_item set quantity = ${quantity}, updated_at = now()
    from cart c, catalog_item ci
    where cart_item.id = ${lineId} and c.id = cart_item.cart_id and c.user_id = ${userId}
      and ci.id = cart_item.catalog_item_id and ci.on_hand - ci.reserved >= ${quantity}
    returning cart_item.cart_id`.execute(db);
  return result.rows[0]?.cart_id;
}

/** The line with its cart, only when it belongs to the user. */
export async function findUsersLine(
  db: Executor<DB>,
  userId: string,
  lineId: string,
): Promise<
  | { cart_id: string; location_id: string; catalog_item_id: string; quantity: number; available: number }
  | undefined
> {
  return db
    .selectFrom('cart_item as i')
    .innerJoin('cart as c', 'c.id', 'i.cart_id')
    .innerJoin('catalog_item as ci', 'ci.id', 'i.catalog_item_id')
    .select([
      'i.cart_id',
      'c.location_id',
      'i.catalog_item_id',
      'i.quantity',
      sql<number>`ci.on_hand - ci.reserved`.as('available'),
    ])
    .where('i.id', '=', lineId)
    .where('c.user_id', '=', userId)
    .executeTakeFirst();
}

export async function deleteUsersLine(
  db: Executor<DB>,
  userId: string,
  lineId: string,
): Promise<string | undefined> {
  const row = await db
    .deleteFrom('cart_item')
    .where('id', '=', lineId)
    .where('cart_id', 'in', (eb) => eb.selectFrom('cart').select('id').where('user_id', '=', userId))
    .returning('cart_id')
    .executeTakeFirst();
  return row?.cart_id;
}

/** Takes `quantity` units off a line, deleting it when none remain; false when the cart has no such line. */
export async function removeFromCart(
  db: Executor<DB>,
  cartId: string,
  catalogItemId: string,
  quantity: number,
): Promise<boolean> {
  const result = await sql<{ id: string }>`
    with removed as (
      delete from cart_item where cart_id = ${cartId} and catalog_item_id = ${catalogItemId} and quantity <= ${quantity}
      returning id
    ), reduced as (
      update cart_item set quantity = quantity - ${quantity}, updated_at = now()
      where cart_id = ${cartId} and catalog_item_id = ${catalogItemId} and quantity > ${quantity}
      returning id
    )
    select id from removed union all select id from reduced`.execute(db);
  return result.rows.length > 0;
}

/**
 * Store locations, catalog with stock, carts, orders (items, status history, payments) and idempotency
 * keys. Stock invariants live in the database: 0 <= reserved <= on_hand can never be violated, whatever
 * the application does.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('store_location')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('store_slug', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('catalog_item')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('location_id', 'uuid', (col) => col.notNull().references('store_location.id'))
    .addColumn('product_id', 'uuid', (col) => col.notNull())
    .addColumn('gtin', 'text')
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('brand', 'text')
    .addColumn('price_cents', 'bigint', (col) => col.notNull().check(sql`price_cents >= 0`))
    .addColumn('on_hand', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('reserved', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('active', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('catalog_item_stock_check', sql`reserved >= 0 and reserved <= on_hand`)
    .addUniqueConstraint('catalog_item_location_product_key', ['location_id', 'product_id'])
    .execute();
  await db.schema
    .createIndex('catalog_item_location_gtin_idx')
    .on('catalog_item')
    .columns(['location_id', 'gtin'])
    .where(sql.ref('gtin'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('catalog_item_location_name_idx')
    .on('catalog_item')
    .columns(['location_id', 'name', 'id'])
    .execute();

  await db.schema
    .createTable('cart')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('user_id', 'uuid', (col) => col.notNull())
    .addColumn('location_id', 'uuid', (col) => col.notNull().references('store_location.id'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('cart_user_location_key', ['user_id', 'location_id'])
    .execute();

  await db.schema
    .createTable('cart_item')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('cart_id', 'uuid', (col) => col.notNull().references('cart.id').onDelete('cascade'))
    .addColumn('catalog_item_id', 'uuid', (col) => col.notNull().references('catalog_item.id'))
    .addColumn('quantity', 'integer', (col) => col.notNull().check(sql`quantity > 0`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('cart_item_cart_catalog_item_key', ['cart_id', 'catalog_item_id'])
    .execute();

  await db.schema
    .createTable('order')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('user_id', 'uuid', (col) => col.notNull())
    .addColumn('location_id', 'uuid', (col) => col.notNull().references('store_location.id'))
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .check(sql`status in ('PENDING', 'PAID', 'CANCELLED', 'SHIPPED', 'DELIVERED', 'REFUNDED')`),
    )
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('total_cents', 'bigint', (col) => col.notNull())
    .addColumn('item_count', 'integer', (col) => col.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('order_user_id_idx').on('order').columns(['user_id', 'id']).execute();
  // The sweeper's scan: only unpaid orders, by deadline.
  await db.schema
    .createIndex('order_pending_expiry_idx')
    .on('order')
    .column('expires_at')
    .where(sql.ref('status'), '=', 'PENDING')
    .execute();

  await db.schema
    .createTable('order_item')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('order_id', 'uuid', (col) => col.notNull().references('order.id').onDelete('cascade'))
    .addColumn('catalog_item_id', 'uuid', (col) => col.notNull().references('catalog_item.id'))
    .addColumn('product_id', 'uuid', (col) => col.notNull())
    .addColumn('gtin', 'text')
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('unit_price_cents', 'bigint', (col) => col.notNull())
    .addColumn('quantity', 'integer', (col) => col.notNull().check(sql`quantity > 0`))
    .execute();
  await db.schema.createIndex('order_item_order_id_idx').on('order_item').column('order_id').execute();

  await db.schema
    .createTable('order_status_history')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('order_id', 'uuid', (col) => col.notNull().references('order.id').onDelete('cascade'))
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (col) => col.notNull())
    .addColumn('actor', 'text', (col) => col.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('order_status_history_order_idx')
    .on('order_status_history')
    .columns(['order_id', 'id'])
    .execute();

  await db.schema
    .createTable('order_payment')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('order_id', 'uuid', (col) => col.notNull().references('order.id').onDelete('cascade'))
    .addColumn('provider', 'text', (col) => col.notNull())
    .addColumn('reference', 'text', (col) => col.notNull())
    .addColumn('amount_cents', 'bigint', (col) => col.notNull())
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('order_payment_order_idx').on('order_payment').column('order_id').execute();

  // One row per (user, Idempotency-Key): `in_progress` while the first request runs, then its response.
  await db.schema
    .createTable('idempotency_key')
    .addColumn('user_id', 'uuid', (col) => col.notNull())
    .addColumn('key', 'text', (col) => col.notNull())
    .addColumn('request_hash', 'text', (col) => col.notNull())
    .addColumn('state', 'text', (col) => col.notNull().check(sql`state in ('in_progress', 'completed')`))
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'jsonb')
    .addColumn('locked_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('idempotency_key_pkey', ['user_id', 'key'])
    .execute();
  await db.schema
    .createIndex('idempotency_key_created_idx')
    .on('idempotency_key')
    .column('created_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'idempotency_key',
    'order_payment',
    'order_status_history',
    'order_item',
    'order',
    'cart_item',
    'cart',
    'catalog_item',
    'store_location',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}

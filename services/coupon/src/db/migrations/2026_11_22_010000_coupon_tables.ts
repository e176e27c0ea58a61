/** Price read model, coupons, clips, shopping lists and the purchase history used for relevance. */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('product')
    .addColumn('product_id', 'uuid', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('gtin', 'text')
    .addColumn('brand', 'text')
    .addColumn('category', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('product_gtin_idx').on('product').column('gtin').execute();

  await db.schema
    .createTable('store_price')
    .addColumn('product_id', 'uuid', (c) => c.notNull())
    .addColumn('store_slug', 'text', (c) => c.notNull())
    .addColumn('price_cents', 'bigint', (c) => c.notNull())
    .addColumn('regular_price_cents', 'bigint')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('is_sale', 'boolean', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('observation_id', 'uuid', (c) => c.notNull())
    .addColumn('observed_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('store_price_pk', ['product_id', 'store_slug'])
    .execute();

  await db.schema
    .createTable('coupon')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('external_id', 'text', (c) => c.unique())
    .addColumn('store_slug', 'text')
    .addColumn('scope_kind', 'text', (c) => c.notNull())
    .addColumn('product_id', 'uuid')
    .addColumn('brand', 'text')
    .addColumn('category', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('percent_off', 'integer')
    .addColumn('amount_off_cents', 'bigint')
    .addColumn('buy_quantity', 'integer')
    .addColumn('get_quantity', 'integer')
    .addColumn('get_percent_off', 'integer')
    .addColumn('threshold_cents', 'bigint')
    .addColumn('min_quantity', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('min_purchase_cents', 'bigint')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('valid_from', 'timestamptz', (c) => c.notNull())
    .addColumn('valid_to', 'timestamptz')
    .addColumn('requires_clip', 'boolean', (c) => c.notNull())
    .addColumn('code', 'text')
    .addColumn('source_url', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('coupon_store_idx')
    .on('coupon')
    .columns(['store_slug', 'valid_from'])
    .execute();
  await db.schema.createIndex('coupon_product_idx').on('coupon').column('product_id').execute();

  await db.schema
    .createTable('coupon_clip')
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('coupon_id', 'uuid', (c) => c.notNull().references('coupon.id').onDelete('cascade'))
    .addColumn('clipped_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('coupon_clip_pk', ['user_id', 'coupon_id'])
    .execute();

  await db.schema
    .createTable('shopping_list')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('shopping_list_user_idx')
    .on('shopping_list')
    .columns(['user_id', 'id'])
    .execute();

  await db.schema
    .createTable('shopping_list_item')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('list_id', 'uuid', (c) => c.notNull().references('shopping_list.id').onDelete('cascade'))
    .addColumn('product_id', 'uuid')
    .addColumn('text', 'text')
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('shopping_list_item_what', sql`product_id is not null or text is not null`)
    .execute();
  await db.schema
    .createIndex('shopping_list_item_list_idx')
    .on('shopping_list_item')
    .columns(['list_id', 'id'])
    .execute();

  await db.schema
    .createTable('purchase_line')
    .addColumn('purchase_id', 'uuid', (c) => c.notNull())
    .addColumn('line_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('product_id', 'uuid')
    .addColumn('gtin', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('brand', 'text')
    .addColumn('category', 'text')
    .addColumn('store_slug', 'text', (c) => c.notNull())
    .addColumn('purchased_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('purchase_line_pk', ['purchase_id', 'line_id'])
    .execute();
  await db.schema
    .createIndex('purchase_line_user_idx')
    .on('purchase_line')
    .columns(['user_id', 'purchased_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'purchase_line',
    'shopping_list_item',
    'shopping_list',
    'coupon_clip',
    'coupon',
    'store_price',
    'product',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}

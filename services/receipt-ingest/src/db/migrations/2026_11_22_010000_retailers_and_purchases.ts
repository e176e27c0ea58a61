/** Retailers with their locations, and users' purchases with their line items. */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('retailer')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('slug', 'text', (col) => col.notNull().unique())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('website', 'text')
    .addColumn('ingestion_methods', sql`text[]`, (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('store_location')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('retailer_id', 'uuid', (col) => col.notNull().references('retailer.id').onDelete('cascade'))
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('address_line', 'text')
    .addColumn('city', 'text')
    .addColumn('region', 'text')
    .addColumn('postal_code', 'text')
    .addColumn('country', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('store_location_retailer_idx')
    .on('store_location')
    .columns(['retailer_id', 'id'])
    .execute();

  await db.schema
    .createTable('purchase')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('user_id', 'uuid', (col) => col.notNull())
    .addColumn('retailer_id', 'uuid', (col) => col.notNull().references('retailer.id'))
    .addColumn('location_id', 'uuid', (col) => col.references('store_location.id').onDelete('set null'))
    .addColumn('purchased_at', 'timestamptz', (col) => col.notNull())
    .addColumn('currency', 'text', (col) => col.notNull())
    .addColumn('total_cents', 'bigint', (col) => col.notNull())
    .addColumn('savings_cents', 'bigint', (col) => col.notNull())
    .addColumn('item_count', 'integer', (col) => col.notNull())
    .addColumn('source', 'text', (col) => col.notNull())
    .addColumn('retailer_receipt_id', 'text')
    // `rid:<retailer>:<receipt id>` or `sha256:<hash of the normalized content>`: re-imports hit it.
    .addColumn('dedupe_key', 'text', (col) => col.notNull())
    .addColumn('parse_confidence', 'real')
    .addColumn('unparsed_lines', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('purchase_user_dedupe_key', ['user_id', 'dedupe_key'])
    .execute();
  await db.schema
    .createIndex('purchase_user_purchased_idx')
    .on('purchase')
    .columns(['user_id', 'purchased_at desc', 'id desc'])
    .execute();

  await db.schema
    .createTable('purchase_item')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('purchase_id', 'uuid', (col) => col.notNull().references('purchase.id').onDelete('cascade'))
    .addColumn('line_no', 'integer', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('gtin', 'text')
    .addColumn('brand', 'text')
    .addColumn('category', 'text')
    .addColumn('quantity', sql`numeric(12, 3)`, (col) => col.notNull())
    .addColumn('unit', 'text', (col) => col.notNull())
    .addColumn('unit_price_cents', 'bigint', (col) => col.notNull())
    .addColumn('paid_cents', 'bigint', (col) => col.notNull())
    .addColumn('regular_price_cents', 'bigint')
    .addColumn('discount_cents', 'bigint', (col) => col.notNull())
    .addColumn('product_id', 'uuid')
    .execute();
  await db.schema
    .createIndex('purchase_item_purchase_idx')
    .on('purchase_item')
    .columns(['purchase_id', 'line_no'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('purchase_item').execute();
  await db.schema.dropTable('purchase').execute();
  await db.schema.dropTable('store_location').execute();
  await db.schema.dropTable('retailer').execute();
}

/** Pack-size observations per product and store, and the shrinkflation detections derived from them. */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pack_observation')
    .addColumn('observation_id', 'uuid', (c) => c.primaryKey())
    .addColumn('event_id', 'uuid', (c) => c.notNull())
    .addColumn('product_id', 'uuid', (c) => c.notNull())
    .addColumn('gtin', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('brand', 'text')
    .addColumn('category', 'text')
    .addColumn('pairing_key', 'text')
    .addColumn('store_slug', 'text', (c) => c.notNull())
    .addColumn('price_cents', 'bigint', (c) => c.notNull())
    .addColumn('regular_price_cents', 'bigint')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('is_sale', 'boolean', (c) => c.notNull())
    .addColumn('size_value', 'numeric')
    .addColumn('size_unit', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('user_id', 'uuid')
    .addColumn('observed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('pack_observation_product_store_idx')
    .on('pack_observation')
    .columns(['product_id', 'store_slug', 'observed_at'])
    .execute();
  await db.schema
    .createIndex('pack_observation_pairing_idx')
    .on('pack_observation')
    .columns(['pairing_key', 'store_slug'])
    .where(sql.ref('pairing_key'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('pack_observation_user_idx')
    .on('pack_observation')
    .column('user_id')
    .where(sql.ref('user_id'), 'is not', null)
    .execute();

  await db.schema
    .createTable('shrinkflation')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('same-product', 'successor')`))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('detected').check(sql`status in ('detected', 'confirmed', 'rejected')`),
    )
    .addColumn('product_id', 'uuid', (c) => c.notNull())
    .addColumn('successor_product_id', 'uuid')
    .addColumn('gtin', 'text')
    .addColumn('successor_gtin', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('successor_name', 'text')
    .addColumn('brand', 'text')
    .addColumn('category', 'text')
    .addColumn('store_slug', 'text', (c) => c.notNull())
    .addColumn('size_unit', 'text', (c) => c.notNull())
    .addColumn('old_size_value', 'numeric', (c) => c.notNull())
    .addColumn('new_size_value', 'numeric', (c) => c.notNull())
    .addColumn('size_change_pct', 'double precision', (c) => c.notNull())
    .addColumn('old_price_cents', 'bigint', (c) => c.notNull())
    .addColumn('new_price_cents', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('unit_price_change_pct', 'double precision', (c) => c.notNull())
    .addColumn('quality_adjusted_price_cents', 'bigint', (c) => c.notNull())
    .addColumn('quality_adjusted_price_change_pct', 'double precision', (c) => c.notNull())
    .addColumn('confidence', 'double precision', (c) => c.notNull())
    .addColumn('factors', 'jsonb', (c) => c.notNull())
    .addColumn('evidence', 'jsonb', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('detected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('published_at', 'timestamptz')
    .addColumn('reviewed_at', 'timestamptz')
    .addColumn('reviewed_by', 'uuid')
    .addColumn('review_note', 'text')
    .execute();
  await db.schema
    .createIndex('shrinkflation_list_idx')
    .on('shrinkflation')
    .columns(['detected_at desc', 'id desc'])
    .execute();
  await db.schema.createIndex('shrinkflation_product_idx').on('shrinkflation').column('product_id').execute();
  await db.schema
    .createIndex('shrinkflation_reviewer_idx')
    .on('shrinkflation')
    .column('reviewed_by')
    .where(sql.ref('reviewed_by'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('shrinkflation').execute();
  await db.schema.dropTable('pack_observation').execute();
}

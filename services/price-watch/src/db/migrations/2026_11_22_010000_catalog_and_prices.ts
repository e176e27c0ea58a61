/**
 * Catalog (products, GTIN variants, purchase-line matches, merges), price observations with their
 * incrementally kept rollups, and the CPI series. pg_trgm is database-wide: it is created in `public`
 * when absent, and this schema reaches it only through `product_name_similarity`, a wrapper created here
 * against whatever schema the extension actually lives in (so the pool's search_path does not matter).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists pg_trgm with schema public`.execute(db);
  const { rows } = await sql<{ schema: string }>`
    select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
    where e.extname = 'pg_trgm'`.execute(db);
  const trgm = rows[0]?.schema;
  if (!trgm) throw new Error('pg_trgm is not installed');
  const ext = sql.id(trgm);

  await sql`
    create function product_name_similarity(a text, b text) returns real
    language sql immutable strict parallel safe
    as ${sql.lit(`select ${trgm.replaceAll('"', '""')}.similarity(a, b)`)}`.execute(db);

  await sql`
    create table product (
      id uuid primary key,
      name text not null,
      name_norm text not null,
      brand text,
      brand_norm text not null default '',
      category text,
      size_value numeric(18, 6),
      size_unit text check (size_unit in ('g', 'ml', 'ct')),
      merged_into uuid references product (id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((size_value is null) = (size_unit is null))
    )`.execute(db);
  await sql`create index product_name_trgm on product using gin (name_norm ${ext}.gin_trgm_ops)`.execute(db);
  await sql`create index product_guard on product (brand_norm, size_unit, size_value) where merged_into is null`.execute(
    db,
  );
  await sql`create index product_name_order on product (name_norm, id) where merged_into is null`.execute(db);
  await sql`create index product_category on product (lower(category)) where merged_into is null`.execute(db);

  await sql`
    create table product_gtin (
      gtin char(14) primary key,
      product_id uuid not null references product (id),
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index product_gtin_product on product_gtin (product_id)`.execute(db);

  await sql`
    create table purchase_line_match (
      line_id uuid primary key,
      purchase_id uuid not null,
      user_id uuid not null,
      product_id uuid not null references product (id),
      method text not null check (method in ('gtin', 'name', 'created', 'admin')),
      confidence real not null,
      line_name text not null,
      gtin char(14),
      store_slug text not null,
      purchased_at timestamptz not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index purchase_line_match_user_product on purchase_line_match (user_id, product_id)`.execute(
    db,
  );
  await sql`create index purchase_line_match_product on purchase_line_match (product_id)`.execute(db);

  await sql`
    create table product_merge (
      id uuid primary key,
      kind text not null check (kind in ('merge', 'split')),
      source_product_id uuid not null references product (id),
      target_product_id uuid not null references product (id),
      moved_gtins text[] not null default '{}',
      moved_line_ids uuid[] not null default '{}',
      actor_user_id uuid,
      created_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table price_observation (
      id uuid primary key,
      product_id uuid not null references product (id),
      store_slug text not null,
      location_id uuid,
      price_cents bigint not null check (price_cents >= 0),
      regular_price_cents bigint,
      currency char(3) not null,
      price_type text not null check (price_type in ('regular', 'sale', 'coupon')),
      is_sale boolean not null,
      unit_price_cents numeric(20, 8),
      source text not null check (source in ('receipt', 'catalog', 'url')),
      user_id uuid,
      line_id uuid,
      watch_id uuid,
      observed_at timestamptz not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index price_observation_product_time on price_observation (product_id, observed_at)`.execute(
    db,
  );
  await sql`create index price_observation_user on price_observation (user_id) where user_id is not null`.execute(
    db,
  );
  await sql`create unique index price_observation_line on price_observation (line_id) where line_id is not null`.execute(
    db,
  );

  // One row per product, store, currency and UTC day: what every public and series read aggregates.
  await sql`
    create table price_daily (
      product_id uuid not null references product (id),
      store_slug text not null,
      currency char(3) not null,
      day date not null,
      min_cents bigint not null,
      max_cents bigint not null,
      sum_cents bigint not null,
      count integer not null,
      primary key (product_id, day, store_slug, currency)
    )`.execute(db);

  // The newest observation per product, store and currency.
  await sql`
    create table price_latest (
      product_id uuid not null references product (id),
      store_slug text not null,
      currency char(3) not null,
      observation_id uuid not null,
      price_cents bigint not null,
      regular_price_cents bigint,
      is_sale boolean not null,
      unit_price_cents numeric(20, 8),
      observed_at timestamptz not null,
      primary key (product_id, store_slug, currency)
    )`.execute(db);
  await sql`create index price_latest_store on price_latest (store_slug, product_id)`.execute(db);

  await sql`
    create table cpi_value (
      series_id text not null,
      year smallint not null,
      month smallint not null check (month between 1 and 12),
      value numeric(10, 3) not null,
      primary key (series_id, year, month)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'cpi_value',
    'price_latest',
    'price_daily',
    'price_observation',
    'product_merge',
    'purchase_line_match',
    'product_gtin',
    'product',
  ]) {
    await sql`drop table if exists ${sql.id(table)}`.execute(db);
  }
  await sql`drop function if exists product_name_similarity(text, text)`.execute(db);
}

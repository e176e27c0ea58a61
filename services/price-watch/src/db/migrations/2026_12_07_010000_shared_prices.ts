/**
 * Shared prices (docs/price-watch.md, "Consensus prices"): per product, store and currency the price
 * other users see, from a store source or a receipt consensus of at least k contributors. price_latest
 * stays the newest raw observation (any source), which only the contributor's own views may show.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table price_shared (
      product_id uuid not null references product (id),
      store_slug text not null,
      currency char(3) not null,
      observation_id uuid not null,
      price_cents bigint not null,
      regular_price_cents bigint,
      is_sale boolean not null,
      unit_price_cents numeric(20, 8),
      basis text not null check (basis in ('store', 'consensus')),
      contributors integer not null,
      observed_at timestamptz not null,
      updated_at timestamptz not null default now(),
      primary key (product_id, store_slug, currency)
    )`.execute(db);
  await sql`create index price_shared_store on price_shared (store_slug, product_id)`.execute(db);
  // The evidence of one product at one store, newest first (consensus.repository.ts).
  await sql`
    create index price_observation_product_store_time
      on price_observation (product_id, store_slug, currency, observed_at desc)`.execute(db);
  // Existing data: a store-sourced price is shared as it is; receipt consensus fills in on the next
  // observation of each product and store.
  await sql`
    insert into price_shared (product_id, store_slug, currency, observation_id, price_cents, regular_price_cents,
                              is_sale, unit_price_cents, basis, contributors, observed_at)
    select distinct on (product_id, store_slug, currency)
           product_id, store_slug, currency, id, price_cents, regular_price_cents, is_sale, unit_price_cents,
           'store', 0, observed_at
    from price_observation where source <> 'receipt' and observed_at <= now()
    order by product_id, store_slug, currency, observed_at desc, id desc`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index price_observation_product_store_time`.execute(db);
  await sql`drop table price_shared`.execute(db);
}

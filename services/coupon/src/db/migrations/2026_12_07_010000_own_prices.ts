/**
 * Shared and own prices (docs/price-watch.md, "Consensus prices"): store_price now holds only what
 * every user may plan with (store-sourced prices and receipt consensus from price.shared.v1); a
 * shopper's own receipt prices live in own_price and only their own plans use them. Receipt prices
 * already in store_price were one person's hearsay: removed (price.shared.v1 brings the consensus back).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table own_price (
      user_id uuid not null,
      product_id uuid not null,
      store_slug text not null,
      price_cents bigint not null,
      currency text not null,
      observation_id uuid not null,
      observed_at timestamptz not null,
      primary key (user_id, product_id, store_slug)
    )`.execute(db);
  await sql`delete from store_price where source = 'receipt'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table own_price`.execute(db);
}

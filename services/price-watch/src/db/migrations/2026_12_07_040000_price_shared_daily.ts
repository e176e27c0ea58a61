/**
 * Shared prices over time (docs/price-watch.md, "Shared figures over time"): per product, UTC day,
 * store and currency, the shared price as it stood at the end of that day. The public series, category
 * trends, price increases and the CPI basket read it instead of price_daily, which aggregates every
 * observation. The key leads with the product and day like price_daily's, for the same range scans.
 * Existing observations are backfilled with the consensus settings of the environment (defaults k = 3,
 * 90 days), product by product.
 */
import { type Kysely, sql } from 'kysely';
import { envSchema, sharedOptionsOf } from '../../config.js';
import { rebuildSharedDaily } from '../../prices/consensus.repository.js';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table price_shared_daily (
      product_id uuid not null references product (id),
      day date not null,
      store_slug text not null,
      currency char(3) not null,
      price_cents bigint not null,
      basis text not null check (basis in ('store', 'consensus')),
      contributors integer not null,
      observation_id uuid not null,
      primary key (product_id, day, store_slug, currency)
    )`.execute(db);
  await sql`create index price_shared_daily_day on price_shared_daily (day)`.execute(db);
  const settings = envSchema
    .pick({ SHARED_PRICE_MIN_CONTRIBUTORS: true, SHARED_PRICE_WINDOW_DAYS: true })
    .parse(process.env);
  const products = await db.selectFrom('price_observation').select('product_id').distinct().execute();
  await rebuildSharedDaily(
    db,
    products.map((row: { product_id: string }) => row.product_id),
    sharedOptionsOf(settings),
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table price_shared_daily`.execute(db);
}

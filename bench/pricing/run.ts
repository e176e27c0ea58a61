/**
 * Pricing read benchmark: ~10 million generated observations (20,000 products x 10 stores x 50
 * observations over two years), rolled up into price_daily / price_latest the way the service keeps
 * them, then `/public/trends/{id}` and `/products/{id}/prices` hammered with autocannon at 50
 * connections, every request a random product (no cache anywhere in price-watch).
 * Data is generated set-based (generate_series) in a dedicated schema that is dropped afterwards.
 * Run from the repo root after `pnpm build`: `pnpm exec tsx bench/pricing/run.ts`
 * (`-- --products=2000` for a quick run). Results: bench/results/pricing-<date>.json and bench/results/pricing.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createAppFromEnv, createDatabase, migrateSchema, serviceDefinition, sql } from './deps.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** `--products=2000 --duration=10` for a quick run. */
function flag(name: string, fallback: number): number {
  const value = process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  return value === undefined ? fallback : Number(value);
}
const products = flag('products', 20_000);
const stores = 10;
const perStore = 50; // observations per product and store over two years (about weekly)
const durationSeconds = flag('duration', 20);
const connections = 50;
const serviceKey = 'bench-service-key-bench-service-key-bench-service-key';
const userId = '01900000-0000-7000-8000-00000000beef';
const schema = `bench_pricing_${randomBytes(4).toString('hex')}`;
const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');
const migrationsFolder = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../services/price-watch/dist/db/migrations',
);

function seconds(since: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - since) / 1e7) / 100;
}

async function main() {
  const load = os.loadavg();
  const database = createDatabase<unknown>({ connectionString: databaseUrl, schema, max: 4 });
  const timings: Record<string, number> = {};
  try {
    await sql`create schema ${sql.id(schema)}`.execute(database.db);
    await migrateSchema(database, { migrationsFolder, direction: 'latest' });

    let started = process.hrtime.bigint();
    await sql`
      insert into product (id, name, name_norm, brand, brand_norm, category, size_value, size_unit)
      select gen_random_uuid(), 'Bench product ' || n, 'bench product ' || n, 'Brand ' || (n % 500), 'brand ' || (n % 500),
             (array['dairy','bakery','produce','snacks','beverages'])[1 + n % 5], 100 + n % 900, 'g'
      from generate_series(1, ${products}) n`.execute(database.db);
    const ids = (await sql<{ id: string }>`select id from product order by id`.execute(database.db)).rows.map(
      (row) => row.id,
    );
    timings.productsSeconds = seconds(started);

    // Observations in chunks of products so each statement stays a moderate transaction.
    started = process.hrtime.bigint();
    const chunk = 1_000;
    for (let offset = 0; offset < ids.length; offset += chunk) {
      const slice = ids.slice(offset, offset + chunk);
      await sql`
        insert into price_observation (id, product_id, store_slug, currency, price_cents, price_type, is_sale,
                                       unit_price_cents, source, observed_at)
        select gen_random_uuid(), p.id, 'store-' || s, 'USD',
               (200 + (abs(hashtext(p.id::text)) % 800) + s * 7 + k * 2 + (random() * 30)::int)::bigint,
               'regular', false, null, 'catalog',
               now() - interval '730 days' + (k * 730.0 / ${perStore}) * interval '1 day' + random() * interval '14 days'
        from unnest(${slice}::uuid[]) as p(id) cross join generate_series(1, ${stores}) s
             cross join generate_series(0, ${perStore - 1}) k`.execute(database.db);
      if ((offset / chunk) % 5 === 0)
        process.stdout.write(`observations: ${offset + slice.length}/${ids.length} products\n`);
    }
    timings.observationsSeconds = seconds(started);

    started = process.hrtime.bigint();
    await sql`
      insert into price_daily (product_id, store_slug, currency, day, min_cents, max_cents, sum_cents, count)
      select product_id, store_slug, currency, (observed_at at time zone 'UTC')::date,
             min(price_cents), max(price_cents), sum(price_cents), count(*)
      from price_observation group by 1, 2, 3, 4`.execute(database.db);
    await sql`
      insert into price_latest (product_id, store_slug, currency, observation_id, price_cents, regular_price_cents,
                                is_sale, unit_price_cents, observed_at)
      select distinct on (product_id, store_slug, currency) product_id, store_slug, currency, id, price_cents,
             regular_price_cents, is_sale, unit_price_cents, observed_at
      from price_observation order by product_id, store_slug, currency, observed_at desc, id desc`.execute(
      database.db,
    );
    await sql`analyze`.execute(database.db);
    timings.rollupsSeconds = seconds(started);
    const counts = (
      await sql<{ observations: number; daily: number }>`
        select (select count(*) from price_observation) as observations, (select count(*) from price_daily) as daily`.execute(
        database.db,
      )
    ).rows[0];

    const built = createAppFromEnv(serviceDefinition, {
      SERVICE_KEY: serviceKey,
      DATABASE_URL: databaseUrl,
      DB_SCHEMA: schema,
      DB_POOL_MAX: '20',
      LOG_LEVEL: 'fatal',
      NATS_URL: 'nats://127.0.0.1:4222',
    });
    const server = built.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    const randomId = () => ids[Math.floor(Math.random() * ids.length)];
    const headers = { 'x-service-key': serviceKey, 'x-user-id': userId, 'x-user-role': 'user' };

    const scenarios = {
      publicTrends: () => `/public/trends/${randomId()}?period=90d`,
      productPrices: () => `/products/${randomId()}/prices?interval=week`,
    };
    const results: Record<string, unknown> = {};
    for (const [name, pathFor] of Object.entries(scenarios)) {
      const result = await autocannon({
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: durationSeconds,
        headers,
        requests: [
          {
            method: 'GET',
            setupRequest: (request: Record<string, unknown>) => ({ ...request, path: pathFor() }),
          },
        ],
      });
      results[name] = {
        requests: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors,
        rps: result.requests.average,
        latencyMs: {
          p50: result.latency.p50,
          p90: result.latency.p90,
          p99: result.latency.p99,
          max: result.latency.max,
        },
      };
      process.stdout.write(`${name}: ${JSON.stringify(results[name])}\n`);
    }
    // Let the requests autocannon left in flight finish before the pool closes.
    await new Promise((resolve) => {
      server.close(resolve);
      server.closeIdleConnections();
    });
    await built.close();

    const report = {
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
      },
      loadAverageAtStart: load.map((value) => Math.round(value * 100) / 100),
      data: { products, stores, observationsPerProductStore: perStore, ...counts },
      timings,
      autocannon: { connections, durationSeconds },
      results,
    };
    await mkdir(resultsDir, { recursive: true });
    await writeFile(
      path.join(resultsDir, `pricing-${report.date.slice(0, 10)}.json`),
      `${JSON.stringify(report, null, 2)}\n`,
    );
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
    await database.close();
  }
}

await main();

/**
 * Pricing read benchmark: ~10 million generated observations (20,000 products x 10 stores x 50
 * observations over two years) with what the two chart routes read today (docs/price-watch.md, "Shared
 * figures over time"): the shared prices `price_shared` (the currency of the newest one) and the daily
 * shared prices `price_shared_daily` (the points), derived from the observations the way the service
 * derives them (checked against the service's own rebuild for one product); `price_daily` /
 * `price_latest` are loaded too (the service still keeps them), though neither route reads them.
 * The headline is open loop (issue #24): `/public/trends/{id}`, `/products/{id}/prices` and a no-op
 * node:http server each at a fixed 1,000 requests/s, latency from each request's scheduled send time
 * (open-loop.ts), in interleaved rounds; each route's p99 is reported against the no-op's. Then the
 * closed-loop figures of before: autocannon at 50 connections. Every request is a random product, and
 * the run fails if a sample answer (or any answer of the measurement) has no points.
 * Data is generated set-based (generate_series) in a dedicated schema that is dropped afterwards.
 * Run from the repo root after `pnpm build`: `pnpm exec tsx bench/pricing/run.ts`
 * (`--products=2000` for a 1 M validation run). Results: bench/results/pricing.{json,md}.
 * Loading takes minutes and its figures hardly depend on other work, the requests' figures do: `--keep`
 * keeps the loaded schema (its name is printed) and `--schema=<name>` measures on a kept one (skipping
 * the load and reporting that load's timings; drop it yourself afterwards, or add `--drop`).
 * `--pool=<n>` sets the server's Postgres pool (default 20); `--rate=<n>` the open-loop rate (1,000/s),
 * `--rounds=<n>` its rounds (6) of `--duration=<s>` seconds (5) per target; `--closed-duration=<s>`
 * each closed-loop run (10; 0 skips them).
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase, migrateSchema } from '@cartwatch/db';
import { recomputeSharedOfProducts } from '@cartwatch/price-watch/prices/consensus.repository';
import { priceSeriesQuery, sharedSeriesQuery } from '@cartwatch/price-watch/prices/prices.repository';
import autocannon from 'autocannon';
import { type Kysely, sql } from 'kysely';
import { request } from 'undici';
import { type OpenLoopResult, openLoop, summary } from './open-loop.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** `--products=2000 --rounds=1` for a quick run. */
function flag(name: string, fallback: number): number {
  const value = process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  return value === undefined ? fallback : Number(value);
}
/** Full size 20,000 products (10 M observations); `--products=2000` for a 1 M validation run. */
let products = flag('products', 20_000);
const stores = 10;
const perStore = 50; // observations per product and store over two years (about weekly)
/** Open loop: requests per second, rounds, seconds per target and round, the pool's connections. */
const rate = flag('rate', 1_000);
const rounds = flag('rounds', 6);
const durationSeconds = flag('duration', 5);
const warmupSeconds = 5;
const openConnections = 100;
/** The open-loop target: each route's p99 at most this far above the no-op server's (issue #24). */
const targetOverNoopMs = 10;
/** Closed loop (autocannon): seconds per target, 0 to skip. */
const closedDurationSeconds = flag('closed-duration', 10);
/** The server's Postgres pool (`--pool=`); default 20. */
const poolMax = String(flag('pool', 20));
const connections = 50;
/** The service's defaults (SHARED_PRICE_MIN_CONTRIBUTORS, SHARED_PRICE_WINDOW_DAYS), as the bench server runs. */
const sharedOptions = { minContributors: 3, windowDays: 90 };
const serviceKey = 'bench-service-key-bench-service-key-bench-service-key';
const userId = '01900000-0000-7000-8000-00000000beef';
const reusedSchema = process.argv.find((arg) => arg.startsWith('--schema='))?.split('=')[1];
const schema = reusedSchema ?? `bench_pricing_${randomBytes(4).toString('hex')}`;
/** Drop the schema at the end: always for a fresh load without --keep; for a reused one only with --drop. */
const dropAtEnd =
  reusedSchema === undefined ? !process.argv.includes('--keep') : process.argv.includes('--drop');
const benchDir = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(benchDir, '..', 'results');
const migrationsFolder = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../services/price-watch/dist/db/migrations',
);

function seconds(since: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - since) / 1e7) / 100;
}

/** Constraints and indexes of the bulk-loaded tables, dropped for the load and rebuilt after (as pg_restore does). */
const loadedTables = [
  'price_observation',
  'price_daily',
  'price_latest',
  'price_shared',
  'price_shared_daily',
];

interface Definitions {
  constraints: { table: string; name: string; definition: string; foreignKey: boolean }[];
  indexes: { name: string; definition: string }[];
}

async function dropForLoad(db: Kysely<unknown>): Promise<Definitions> {
  const constraints = (
    await sql<{ table: string; name: string; definition: string; foreign_key: boolean }>`
      select conrelid::regclass::text as table, conname as name, pg_get_constraintdef(oid) as definition,
             contype = 'f' as foreign_key
      from pg_constraint
      where conrelid = any(${loadedTables}::regclass[]) and contype in ('p', 'u', 'f')
      order by contype = 'f' desc`.execute(db)
  ).rows.map((row) => ({ ...row, foreignKey: row.foreign_key }));
  const indexes = (
    await sql<{ name: string; definition: string }>`
      select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition
      from pg_index i
      where i.indrelid = any(${loadedTables}::regclass[])
        and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)`.execute(db)
  ).rows;
  for (const constraint of constraints) {
    await sql`alter table ${sql.id(constraint.table)} drop constraint ${sql.id(constraint.name)}`.execute(db);
  }
  for (const index of indexes) await sql`drop index ${sql.id(index.name)}`.execute(db);
  return { constraints, indexes };
}

async function rebuild(db: Kysely<unknown>, definitions: Definitions, table: string): Promise<void> {
  const own = definitions.constraints.filter((constraint) => constraint.table === table);
  for (const constraint of own.filter((c) => !c.foreignKey)) {
    await sql`alter table ${sql.id(table)} add constraint ${sql.id(constraint.name)} ${sql.raw(constraint.definition)}`.execute(
      db,
    );
  }
  for (const index of definitions.indexes.filter(
    (i) => i.definition.includes(` ON ${table} `) || i.definition.includes(`.${table} `),
  )) {
    await sql.raw(index.definition).execute(db);
  }
  for (const constraint of own.filter((c) => c.foreignKey)) {
    await sql`alter table ${sql.id(table)} add constraint ${sql.id(constraint.name)} ${sql.raw(constraint.definition)}`.execute(
      db,
    );
  }
}

type Target = 'noop' | 'publicTrends' | 'productPrices';

interface Served {
  port: number;
  cpuMs: () => Promise<number>;
  close: () => Promise<void>;
}

/** A server in a process of its own (server.ts: price-watch; noop-server.ts: the floor), driven over IPC. */
async function serve(file: string, env: Record<string, string>): Promise<Served> {
  const child = fork(path.join(benchDir, file), { execArgv: ['--import', 'tsx'] });
  child.send({ env });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
  return {
    port,
    cpuMs: () =>
      new Promise<number>((resolve) => {
        child.once('message', (message: { cpuMs: number }) => resolve(message.cpuMs));
        child.send('cpu');
      }),
    close: async () => {
      child.send('close');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

const headers = { 'x-service-key': serviceKey, 'x-user-id': userId, 'x-user-role': 'user' };
/** An answer with a series: a route's answer without points measures nothing (the bench of before did). */
const hasPoints = (body: string) => !body.includes('"points":[]');

/** GETs a sample of products on both routes; throws unless every answer is a 200 with points. */
async function checkAnswers(
  port: number,
  paths: Record<Exclude<Target, 'noop'>, () => string>,
): Promise<Record<string, { sampled: number; minPoints: number; maxPoints: number }>> {
  const checked: Record<string, { sampled: number; minPoints: number; maxPoints: number }> = {};
  for (const [name, pathFor] of Object.entries(paths)) {
    const counts: number[] = [];
    for (let i = 0; i < 20; i++) {
      const url = `http://127.0.0.1:${port}${pathFor()}`;
      const response = await request(url, { headers });
      const body = (await response.body.json()) as { points?: unknown[] };
      if (response.statusCode !== 200 || !Array.isArray(body.points) || body.points.length === 0) {
        throw new Error(
          `${name}: ${url} answered ${response.statusCode} with ${JSON.stringify(body).slice(0, 300)}: no points, the bench would measure an empty read`,
        );
      }
      counts.push(body.points.length);
    }
    checked[name] = {
      sampled: counts.length,
      minPoints: Math.min(...counts),
      maxPoints: Math.max(...counts),
    };
    process.stdout.write(`${name}: sample answers have ${JSON.stringify(checked[name])} points\n`);
  }
  return checked;
}

async function main() {
  const loadAtStart = os.loadavg();
  const database = createDatabase<unknown>({ connectionString: databaseUrl, schema, max: 4 });
  const timings: Record<string, number> = {};
  try {
    const { ids, counts } =
      reusedSchema === undefined ? await load(database, timings) : await reuse(database, timings);
    const serviceCheck = await checkAgainstService(database.db, ids[Math.floor(ids.length / 3)] as string);
    const plans = await explainReads(database.db, ids);
    // The load's dirty pages written out now, not by a checkpoint during the requests.
    await sql`checkpoint`.execute(database.db);
    const loadBeforeRequests = os.loadavg();

    const priceWatch = await serve('server.ts', {
      SERVICE_KEY: serviceKey,
      DATABASE_URL: databaseUrl,
      DB_SCHEMA: schema,
      DB_POOL_MAX: poolMax,
      LOG_LEVEL: 'fatal',
      NATS_URL: 'nats://127.0.0.1:4222',
    });
    const noop = await serve('noop-server.ts', {});
    const randomId = () => ids[Math.floor(Math.random() * ids.length)];
    const routes = {
      publicTrends: () => `/public/trends/${randomId()}?period=90d`,
      productPrices: () => `/products/${randomId()}/prices?interval=week`,
    };
    const targets: Record<Target, { server: Served; pathFor: () => string }> = {
      noop: { server: noop, pathFor: () => `/noop/${randomId()}` },
      publicTrends: { server: priceWatch, pathFor: routes.publicTrends },
      productPrices: { server: priceWatch, pathFor: routes.productPrices },
    };
    const sampleAnswers = await checkAnswers(priceWatch.port, routes);

    // Open loop, the headline: interleaved rounds (the order rotates), each target warmed up first.
    const names = Object.keys(targets) as Target[];
    const pooled = Object.fromEntries(
      names.map((name) => [
        name,
        {
          latencies: [] as number[],
          scheduled: 0,
          completed: 0,
          non2xx: 0,
          errors: 0,
          emptyAnswers: 0,
          cpuMs: 0,
          generatorCpuMs: 0,
          maxSendLagMs: 0,
          roundP99s: [] as number[],
          roundLoads: [] as number[],
        },
      ]),
    ) as Record<
      Target,
      {
        latencies: number[];
        scheduled: number;
        completed: number;
        non2xx: number;
        errors: number;
        emptyAnswers: number;
        cpuMs: number;
        generatorCpuMs: number;
        maxSendLagMs: number;
        roundP99s: number[];
        roundLoads: number[];
      }
    >;
    const run = (name: Target, seconds: number) =>
      openLoop({
        origin: `http://127.0.0.1:${targets[name].server.port}`,
        pathFor: targets[name].pathFor,
        headers,
        rate,
        durationSeconds: seconds,
        connections: openConnections,
        timeoutMs: 10_000,
        accept: hasPoints,
      });
    for (const name of names) await run(name, warmupSeconds);
    for (let round = 0; round < rounds; round++) {
      for (const name of [...names.slice(round % names.length), ...names.slice(0, round % names.length)]) {
        const cpuBefore = await targets[name].server.cpuMs();
        const generatorBefore = process.cpuUsage();
        const result: OpenLoopResult = await run(name, durationSeconds);
        const generator = process.cpuUsage(generatorBefore);
        const cpuMs = (await targets[name].server.cpuMs()) - cpuBefore;
        const into = pooled[name];
        for (const latency of result.latencies) into.latencies.push(latency);
        into.scheduled += result.scheduled;
        into.completed += result.completed;
        into.non2xx += result.non2xx;
        into.errors += result.errors;
        into.emptyAnswers += result.rejectedAnswers;
        into.cpuMs += cpuMs;
        into.generatorCpuMs += (generator.user + generator.system) / 1000;
        into.roundLoads.push(Math.round((os.loadavg()[0] ?? 0) * 100) / 100);
        into.maxSendLagMs = Math.max(into.maxSendLagMs, result.maxSendLagMs);
        into.roundP99s.push(result.latencyMs.p99);
        process.stdout.write(
          `open loop round ${round + 1} ${name}: ${JSON.stringify({ ...result, latencies: undefined })} load ${os.loadavg()[0]?.toFixed(2)}\n`,
        );
      }
    }
    const noopP99 = summary(pooled.noop.latencies).p99;
    // The median round: one stall of the shared machine moves the pooled p99 of whichever target it hit.
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const middle = Math.floor(sorted.length / 2);
      return sorted.length % 2 === 1
        ? (sorted[middle] as number)
        : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
    };
    const noopMedianP99 = median(pooled.noop.roundP99s);
    const openResults = Object.fromEntries(
      names.map((name) => {
        const value = pooled[name];
        const latencyMs = summary(value.latencies);
        return [
          name,
          {
            scheduled: value.scheduled,
            completed: value.completed,
            non2xx: value.non2xx,
            errors: value.errors,
            emptyAnswers: name === 'noop' ? 0 : value.emptyAnswers,
            rps: Math.round(value.completed / (rounds * durationSeconds)),
            serverCpuMsPerRequest: Math.round((value.cpuMs / Math.max(1, value.completed)) * 1000) / 1000,
            generatorCpuMsPerRequest:
              Math.round((value.generatorCpuMs / Math.max(1, value.completed)) * 1000) / 1000,
            maxSendLagMs: value.maxSendLagMs,
            latencyMs,
            roundP99sMs: value.roundP99s,
            roundLoadAverages: value.roundLoads,
            p99OverNoopMs: Math.round((latencyMs.p99 - noopP99) * 100) / 100,
            medianRoundP99Ms: Math.round(median(value.roundP99s) * 100) / 100,
            medianRoundP99OverNoopMs: Math.round((median(value.roundP99s) - noopMedianP99) * 100) / 100,
          },
        ];
      }),
    ) as Record<Target, OpenResult>;

    // Closed loop, as measured before: autocannon, 50 connections, as fast as answers come back.
    const closedResults: Record<string, ClosedResult> = {};
    if (closedDurationSeconds > 0) {
      for (const name of names) {
        const { server, pathFor } = targets[name];
        const cpuBefore = await server.cpuMs();
        const result = await autocannon({
          url: `http://127.0.0.1:${server.port}`,
          connections,
          duration: closedDurationSeconds,
          headers,
          requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: pathFor() }) }],
        });
        closedResults[name] = {
          requests: result.requests.total,
          non2xx: result.non2xx,
          errors: result.errors,
          rps: result.requests.average,
          serverCpuMsPerRequest:
            Math.round((((await server.cpuMs()) - cpuBefore) / Math.max(1, result.requests.total)) * 1000) /
            1000,
          latencyMs: {
            p50: result.latency.p50,
            p90: result.latency.p90,
            p99: result.latency.p99,
            max: result.latency.max,
          },
        };
        process.stdout.write(`closed loop ${name}: ${JSON.stringify(closedResults[name])}\n`);
      }
    }
    await priceWatch.close();
    await noop.close();

    const report: Report = {
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
      },
      loadAverageAtStart: loadAtStart.map((value) => Math.round(value * 100) / 100),
      loadAverageBeforeRequests: loadBeforeRequests.map((value) => Math.round(value * 100) / 100),
      loadAverageAfterRequests: os.loadavg().map((value) => Math.round(value * 100) / 100),
      data: { products, stores, observationsPerProductStore: perStore, ...counts },
      timings,
      serviceCheck,
      sampleAnswers,
      openLoop: {
        rate,
        rounds,
        durationSecondsPerRound: durationSeconds,
        warmupSeconds,
        connections: openConnections,
        targetOverNoopMs,
        results: openResults,
      },
      closedLoop: { connections, durationSeconds: closedDurationSeconds, results: closedResults },
      plans,
    };
    const empty = openResults.publicTrends.emptyAnswers + openResults.productPrices.emptyAnswers;
    await writeReport(report);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (empty > 0) throw new Error(`${empty} answers of the measurement had no points`);
  } finally {
    if (dropAtEnd) await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
    else process.stdout.write(`kept schema ${schema}: rerun with --schema=${schema}\n`);
    await database.close();
  }
}

interface OpenResult {
  scheduled: number;
  completed: number;
  non2xx: number;
  errors: number;
  emptyAnswers: number;
  rps: number;
  serverCpuMsPerRequest: number;
  generatorCpuMsPerRequest: number;
  maxSendLagMs: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  roundP99sMs: number[];
  /** The 1-minute load average at the end of each round. */
  roundLoadAverages: number[];
  p99OverNoopMs: number;
  /** The median of the rounds' p99s, and its difference to the no-op's. */
  medianRoundP99Ms: number;
  medianRoundP99OverNoopMs: number;
}

interface ClosedResult {
  requests: number;
  non2xx: number;
  errors: number;
  rps: number;
  serverCpuMsPerRequest: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

type Counts = { observations: number; daily: number; shared: number; sharedDaily: number };
type Loaded = { ids: string[]; counts: Counts | undefined };

async function countRows(db: Kysely<unknown>): Promise<Counts | undefined> {
  return (
    await sql<Counts>`
      select (select count(*) from price_observation)::int as observations,
             (select count(*) from price_daily)::int as daily,
             (select count(*) from price_shared)::int as shared,
             (select count(*) from price_shared_daily)::int as "sharedDaily"`.execute(db)
  ).rows[0];
}

/**
 * The set-based shared rows of one product against the service's own rebuild of them
 * (`recomputeSharedOfProducts`, as after a merge), in a transaction rolled back: throws if they differ.
 */
async function checkAgainstService(
  db: Kysely<unknown>,
  productId: string,
): Promise<{ productId: string; sharedRows: number; sharedDailyRows: number; equal: true }> {
  const rowsOf = async (executor: Kysely<unknown>) => ({
    shared: (
      await sql`
        select store_slug, currency, observation_id, price_cents::text, basis, contributors, observed_at
        from price_shared where product_id = ${productId} order by store_slug, currency`.execute(executor)
    ).rows,
    daily: (
      await sql`
        select day::text, store_slug, currency, price_cents::text, basis, contributors, observation_id
        from price_shared_daily where product_id = ${productId} order by day, store_slug, currency`.execute(
        executor,
      )
    ).rows,
  });
  const rollback = new Error('rollback');
  let compared: { sharedRows: number; sharedDailyRows: number } | undefined;
  try {
    await db.transaction().execute(async (trx) => {
      const bench = await rowsOf(trx);
      await recomputeSharedOfProducts(
        trx as unknown as Parameters<typeof recomputeSharedOfProducts>[0],
        [productId],
        sharedOptions,
      );
      const service = await rowsOf(trx);
      if (JSON.stringify(bench) !== JSON.stringify(service) || bench.daily.length === 0) {
        throw new Error(
          `the bench's shared rows of ${productId} differ from the service's rebuild: ${bench.shared.length} / ${bench.daily.length} rows against ${service.shared.length} / ${service.daily.length}`,
        );
      }
      compared = { sharedRows: bench.shared.length, sharedDailyRows: bench.daily.length };
      throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw error;
  }
  if (!compared) throw new Error('the shared rows were not compared');
  process.stdout.write(
    `shared rows of ${productId} equal the service's rebuild: ${JSON.stringify(compared)}\n`,
  );
  return { productId, ...compared, equal: true };
}

/** Generates the data set into the fresh schema; records its size and timings in `bench_meta`. */
async function load(
  database: ReturnType<typeof createDatabase<unknown>>,
  timings: Record<string, number>,
): Promise<Loaded> {
  await sql`create schema ${sql.id(schema)}`.execute(database.db);
  await migrateSchema(database, { migrationsFolder, direction: 'latest' });

  const loadStarted = process.hrtime.bigint();
  const ids = await database.db.connection().execute(async (db) => {
    // One session for the load: no commit waits, memory for the rollup aggregation and index builds.
    await sql`set synchronous_commit = off`.execute(db);
    await sql`set work_mem = '512MB'`.execute(db);
    await sql`set maintenance_work_mem = '512MB'`.execute(db);
    let started = process.hrtime.bigint();
    await sql`
        insert into product (id, name, name_norm, brand, brand_norm, category, size_value, size_unit)
        select gen_random_uuid(), 'Bench product ' || n, 'bench product ' || n, 'Brand ' || (n % 500), 'brand ' || (n % 500),
               (array['dairy','bakery','produce','snacks','beverages'])[1 + n % 5], 100 + n % 900, 'g'
        from generate_series(1, ${products}) n`.execute(db);
    const productIds = (await sql<{ id: string }>`select id from product order by id`.execute(db)).rows.map(
      (row) => row.id,
    );
    timings.productsSeconds = seconds(started);

    started = process.hrtime.bigint();
    const definitions = await dropForLoad(db);
    // Raw observations, set-based, about weekly per product and store over two years.
    const chunk = 2_000;
    for (let offset = 0; offset < productIds.length; offset += chunk) {
      const slice = productIds.slice(offset, offset + chunk);
      await sql`
          insert into price_observation (id, product_id, store_slug, currency, price_cents, price_type, is_sale,
                                         unit_price_cents, source, observed_at)
          select gen_random_uuid(), p.id, 'store-' || s, 'USD',
                 (200 + (abs(hashtext(p.id::text)) % 800) + s * 7 + k * 2 + (random() * 30)::int)::bigint,
                 'regular', false, null, 'catalog',
                 now() - interval '730 days' + (k * 730.0 / ${perStore}) * interval '1 day' + random() * interval '14 days'
          from unnest(${slice}::uuid[]) as p(id) cross join generate_series(1, ${stores}) s
               cross join generate_series(0, ${perStore - 1}) k`.execute(db);
      process.stdout.write(`observations: ${offset + slice.length}/${productIds.length} products\n`);
    }
    timings.observationsSeconds = seconds(started);
    started = process.hrtime.bigint();
    await rebuild(db, definitions, 'price_observation');
    timings.observationIndexesSeconds = seconds(started);

    // The rollups in bulk, the same aggregation recomputeRollups does per product.
    started = process.hrtime.bigint();
    await sql`
        insert into price_daily (product_id, store_slug, currency, day, min_cents, max_cents, sum_cents, count)
        select product_id, store_slug, currency, (observed_at at time zone 'UTC')::date,
               min(price_cents), max(price_cents), sum(price_cents), count(*)
        from price_observation group by 1, 2, 3, 4`.execute(db);
    await sql`
        insert into price_latest (product_id, store_slug, currency, observation_id, price_cents, regular_price_cents,
                                  is_sale, unit_price_cents, observed_at)
        select distinct on (product_id, store_slug, currency) product_id, store_slug, currency, id, price_cents,
               regular_price_cents, is_sale, unit_price_cents, observed_at
        from price_observation order by product_id, store_slug, currency, observed_at desc, id desc`.execute(
      db,
    );
    await rebuild(db, definitions, 'price_daily');
    await rebuild(db, definitions, 'price_latest');
    timings.rollupsSeconds = seconds(started);

    // What the two routes read: the shared prices, set-based. Every observation is store-sourced
    // (catalog), so by consensus.ts the shared price of a store is its newest observation of the
    // window (90 days), and the daily shared price of a day with observations is that day's newest
    // (sharedPricesByDay emits only days with evidence). checkAgainstService compares one product
    // with the service's own rebuild.
    started = process.hrtime.bigint();
    await sql`
        insert into price_shared (product_id, store_slug, currency, observation_id, price_cents, regular_price_cents,
                                  is_sale, unit_price_cents, basis, contributors, observed_at)
        select distinct on (product_id, store_slug, currency) product_id, store_slug, currency, id, price_cents,
               regular_price_cents, is_sale, unit_price_cents, 'store', 0, observed_at
        from price_observation
        where source <> 'receipt' and observed_at <= now()
          and observed_at > now() - make_interval(days => ${sharedOptions.windowDays})
        order by product_id, store_slug, currency, observed_at desc, id desc`.execute(db);
    await sql`
        insert into price_shared_daily (product_id, day, store_slug, currency, price_cents, basis, contributors,
                                        observation_id)
        select distinct on (product_id, store_slug, currency, (observed_at at time zone 'UTC')::date)
               product_id, (observed_at at time zone 'UTC')::date, store_slug, currency, price_cents, 'store', 0, id
        from price_observation
        where source <> 'receipt' and observed_at <= now()
        order by product_id, store_slug, currency, (observed_at at time zone 'UTC')::date, observed_at desc,
                 id desc`.execute(db);
    await rebuild(db, definitions, 'price_shared');
    await rebuild(db, definitions, 'price_shared_daily');
    timings.sharedRollupsSeconds = seconds(started);
    return productIds;
  });
  // Statistics and the visibility map, as autovacuum keeps them (it is off on the bench machine).
  const started = process.hrtime.bigint();
  await sql`vacuum (analyze) product, price_observation, price_daily, price_latest, price_shared, price_shared_daily`.execute(
    database.db,
  );
  timings.vacuumAnalyzeSeconds = seconds(started);
  timings.loadTotalSeconds = seconds(loadStarted);
  const counts = await countRows(database.db);
  process.stdout.write(`loaded: ${JSON.stringify({ ...counts, timings })}\n`);
  await sql`create table bench_meta as select ${products}::int as products, ${JSON.stringify(timings)}::jsonb as timings`.execute(
    database.db,
  );
  return { ids, counts };
}

/** A schema kept by an earlier `--keep` run: its products, counts and load timings. */
async function reuse(
  database: ReturnType<typeof createDatabase<unknown>>,
  timings: Record<string, number>,
): Promise<Loaded> {
  const meta = (
    await sql<{
      products: number;
      timings: Record<string, number>;
    }>`select products, timings from bench_meta`.execute(database.db)
  ).rows[0];
  if (!meta) throw new Error(`schema ${schema} has no bench_meta: not a kept bench/pricing load`);
  products = meta.products;
  Object.assign(timings, meta.timings);
  const ids = (await sql<{ id: string }>`select id from product order by id`.execute(database.db)).rows.map(
    (row) => row.id,
  );
  const counts = await countRows(database.db);
  process.stdout.write(`reusing ${schema}: ${JSON.stringify({ products, ...counts })}\n`);
  return { ids, counts };
}

/** EXPLAIN ANALYZE of the exact statements of the two routes, for one product. */
async function explainReads(db: Kysely<unknown>, ids: string[]): Promise<Record<string, string[]>> {
  const productId = ids[Math.floor(ids.length / 2)] as string;
  const today = new Date().toISOString().slice(0, 10);
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
  const reads = {
    publicTrend90d: sharedSeriesQuery({ productId, from: daysAgo(90), to: today }),
    productPrices365dWeekly: priceSeriesQuery({
      productId,
      userId,
      from: daysAgo(365),
      to: today,
      interval: 'week',
    }),
  };
  const plans: Record<string, string[]> = {};
  for (const [name, query] of Object.entries(reads)) {
    const { rows } = await sql<{
      'QUERY PLAN': string;
    }>`explain (analyze, buffers, costs off) ${query}`.execute(db);
    plans[name] = rows.map((row) => row['QUERY PLAN']);
    process.stdout.write(`${name}:\n${plans[name].join('\n')}\n`);
  }
  return plans;
}

interface Report {
  date: string;
  machine: { cpus: number; cpuModel: string | undefined; memoryGiB: number; node: string };
  loadAverageAtStart: number[];
  loadAverageBeforeRequests: number[];
  loadAverageAfterRequests: number[];
  data: { products: number; stores: number; observationsPerProductStore: number } & Partial<Counts>;
  timings: Record<string, number>;
  serviceCheck: { productId: string; sharedRows: number; sharedDailyRows: number; equal: true };
  sampleAnswers: Record<string, { sampled: number; minPoints: number; maxPoints: number }>;
  openLoop: {
    rate: number;
    rounds: number;
    durationSecondsPerRound: number;
    warmupSeconds: number;
    connections: number;
    targetOverNoopMs: number;
    results: Record<Target, OpenResult>;
  };
  closedLoop: { connections: number; durationSeconds: number; results: Record<string, ClosedResult> };
  plans: Record<string, string[]>;
}

function verdict(report: Report): string {
  if (products !== 20_000) return '**not shown**: this is a validation run below the target size';
  const { results } = report.openLoop;
  const over = [results.publicTrends, results.productPrices].map((result) => result.p99OverNoopMs);
  const clean = [results.publicTrends, results.productPrices].every(
    (result) => result.non2xx + result.errors + result.emptyAnswers === 0,
  );
  return over.every((value) => value <= targetOverNoopMs) && clean ? '**met**' : '**not met**';
}

const endpoints: Record<Target, string> = {
  noop: 'no-op node:http server (floor)',
  publicTrends: '`GET /public/trends/{id}?period=90d`',
  productPrices: '`GET /products/{id}/prices?interval=week`',
};

/** What the open-loop rate is for each target, against its closed-loop throughput of the same run. */
function reading(report: Report): string[] {
  const open = report.openLoop.results;
  const closed = report.closedLoop.results;
  if (!closed.noop || !closed.publicTrends || !closed.productPrices) return [];
  const share = (name: Target) =>
    `${Math.round((report.openLoop.rate / (closed[name] as ClosedResult).rps) * 100)} %`;
  const best = (name: Target) => Math.min(...open[name].roundP99sMs);
  return [
    `Reading: ${report.openLoop.rate.toLocaleString('en-US')} requests/s is ${share('publicTrends')} of the trend's and ${share('productPrices')} of the chart's`,
    `closed-loop throughput in this run (${Math.round(closed.publicTrends.rps)} / ${Math.round(closed.productPrices.rps)} requests/s at 50 connections), and ${share('noop')} of the no-op's.`,
    `Each route request costs the server ${open.publicTrends.serverCpuMsPerRequest} / ${open.productPrices.serverCpuMsPerRequest} ms of CPU (the no-op ${open.noop.serverCpuMsPerRequest} ms), the generator about ${open.noop.generatorCpuMsPerRequest} ms,`,
    'and Postgres its index reads on top: at that utilisation, whenever the other work on the 2 shared vCPUs',
    'leaves the server and Postgres less CPU than the rate needs, a queue builds that can take seconds to drain,',
    'and every request in it counts; the no-op, at a few percent of its capacity, drains at once. The best round',
    `of each (${best('publicTrends')} / ${best('productPrices')} ms against the no-op's ${best('noop')} ms) shows what the routes add when the machine leaves them`,
    'their CPU.',
  ];
}

/** bench/results/pricing.{json,md}; the title says whether the run was at the target size. */
async function writeReport(report: Report): Promise<void> {
  const base = 'pricing';
  await mkdir(resultsDir, { recursive: true });
  await writeFile(path.join(resultsDir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
  const number = (value: number | undefined) => (value ?? 0).toLocaleString('en-US');
  const signed = (ms: number) => `${ms >= 0 ? '+' : ''}${ms} ms`;
  const open = report.openLoop;
  const openRows = (Object.entries(open.results) as [Target, OpenResult][]).map(
    ([name, result]) =>
      `| ${endpoints[name]} | ${number(result.completed)} / ${number(result.scheduled)} | ${result.rps} | ${result.serverCpuMsPerRequest} ms | ${result.generatorCpuMsPerRequest} ms | ${result.non2xx + result.errors} | ${name === 'noop' ? '-' : result.emptyAnswers} | ${result.latencyMs.p50} ms | ${result.latencyMs.p90} ms | **${result.latencyMs.p99} ms** | ${result.latencyMs.max} ms | ${result.roundP99sMs.join(' / ')} ms | ${result.roundLoadAverages.join(' / ')} | ${name === 'noop' ? '-' : `**${signed(result.p99OverNoopMs)}**`} | ${result.medianRoundP99Ms} ms${name === 'noop' ? '' : ` (${signed(result.medianRoundP99OverNoopMs)})`} |`,
  );
  const closedRows = (Object.entries(report.closedLoop.results) as [Target, ClosedResult][]).map(
    ([name, result]) =>
      `| ${endpoints[name]} | ${number(result.requests)} | ${Math.round(result.rps)} | ${result.serverCpuMsPerRequest} ms | ${result.non2xx + result.errors} | ${result.latencyMs.p50} ms | ${result.latencyMs.p90} ms | ${result.latencyMs.p99} ms | ${result.latencyMs.max} ms |`,
  );
  const t = report.timings;
  const d = report.data;
  const lag = Math.max(...Object.values(open.results).map((result) => result.maxSendLagMs));
  const executionTime = (name: string) =>
    report.plans[name]?.find((line) => line.startsWith('Execution Time'))?.slice(16) ?? '?';
  const lines = [
    `# bench/pricing — ${products === 20_000 ? 'target size' : 'validation run'}`,
    '',
    `Run: ${report.date}, \`pnpm exec tsx bench/pricing/run.ts${products === 20_000 ? '' : ` --products=${products}`}\` (raw data and query plans: [${base}.json](${base}.json)).`,
    '',
    `Machine: ${report.machine.cpus} vCPUs (${report.machine.cpuModel}), ${report.machine.memoryGiB} GiB, Node ${report.machine.node}, PostgreSQL on the same machine,`,
    `shared with other work. Load average (1/5/15 min) at the start: ${report.loadAverageAtStart.join(' / ')}; before the requests: ${report.loadAverageBeforeRequests.join(' / ')}; after them: ${report.loadAverageAfterRequests.join(' / ')}.`,
    '',
    '| data | value |',
    '|---|---|',
    `| products x stores x observations per product and store | ${number(products)} x ${d.stores} x ${d.observationsPerProductStore} |`,
    `| raw observations | ${number(d.observations)} |`,
    `| \`price_shared_daily\` rows (what both routes' points read) / \`price_shared\` rows (their currency) | ${number(d.sharedDaily)} / ${number(d.shared)} |`,
    `| \`price_daily\` rows (still kept by the service, read by neither route) | ${number(d.daily)} |`,
    `| load: observations / their indexes / price_daily + price_latest / shared rollups / vacuum analyze / total | ${t.observationsSeconds} s / ${t.observationIndexesSeconds} s / ${t.rollupsSeconds} s / ${t.sharedRollupsSeconds ?? '?'} s / ${t.vacuumAnalyzeSeconds} s / **${t.loadTotalSeconds} s** |`,
    `| shared rows of product ${report.serviceCheck.productId} against the service's \`recomputeSharedOfProducts\` | equal (${report.serviceCheck.sharedRows} shared, ${report.serviceCheck.sharedDailyRows} daily rows) |`,
    `| sample answers (20 random products per route) | ${Object.entries(report.sampleAnswers)
      .map(([name, sample]) => `${name} ${sample.minPoints}-${sample.maxPoints} points`)
      .join(', ')} |`,
    '',
    `## Open loop: ${number(open.rate)} requests/s per target (the headline, issue #24)`,
    '',
    `Each target gets ${number(open.rate)} requests/s on a fixed schedule for ${open.rounds} rounds of ${open.durationSecondsPerRound} s (targets interleaved, the order rotating; ${open.warmupSeconds} s warm-up each first, not counted), every request a random product; latency runs from the request's scheduled send time to the end of its answer, so a stall counts in every request it delays (no coordinated omission). The generator's worst lag behind its schedule: ${lag} ms (it counts in the latencies).`,
    '',
    `| target | answered / scheduled | req/s | server CPU per request | generator CPU per request | non-2xx + errors | empty series | p50 | p90 | p99 | max | p99 per round | load average after each round | p99 over the no-op | median round's p99 (over the no-op's) |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...openRows,
    '',
    `Target (at 10 M observations, ${number(open.rate)} requests/s open loop: each route's p99 at most +${open.targetOverNoopMs} ms over the no-op server's, no errors, no empty series): ${verdict(report)}.`,
    '',
    'The verdict is on the pooled p99 (every request of every round). The median round is shown beside it',
    "because the machine is shared: a stall of other work hits whichever target's round runs at that moment",
    "(the no-op's too), and in the pooled p99 of 30,000 requests one 5 s round holds a sixth of them.",
    '',
    ...reading(report),
    '',
    '### Which generator, and why',
    '',
    "The open-loop figures come from bench/pricing/open-loop.ts (undici Pool), not from autocannon's fixed-rate mode.",
    'autocannon 9 (`overallRate` / `connectionRate`, lib/httpClient.js and lib/run.js) gives each connection a',
    'budget of requests per second, refilled by a 1 s interval: within a second a connection sends its next request',
    'only when the previous answer is back, and stops when the budget is spent, so the requests go out in a burst',
    'at the start of each second, and a slow answer delays the requests behind it without their wait being measured',
    '(each latency starts when the request is written, lib/pipelinedRequestsQueue.js). Its coordinated-omission',
    'correction (`recordValueWithExpectedInterval(responseTime, Math.ceil(1 / rate))`) passes an expected interval',
    'of 1 ms whatever the rate (1 / rate is in seconds, so at most 1), so it back-fills synthetic samples',
    'on a 1 ms grid instead of the schedule: not a measurement from the send schedule either. open-loop.ts',
    'schedules request i at start + i / rate, sends every request that is due on each timer tick whatever is in',
    'flight (up to 100 connections; a request that finds them all busy waits in the pool, and that counts), and',
    'times it from its scheduled time to the end of its body; its own lag behind the schedule (reported above)',
    'counts in the latencies, and the no-op server measured the same way shows what the generator and the',
    'machine add by themselves, which is why the target is a difference of p99s.',
    '',
    '## Closed loop (autocannon, as measured before)',
    '',
    `| target (${report.closedLoop.connections} connections, ${report.closedLoop.durationSeconds} s, as fast as answers come back) | requests | req/s | server CPU per request | non-2xx + errors | p50 | p90 | p99 | max |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...closedRows,
    '',
    "The closed loop measures capacity: with 50 requests always in flight the p99 is queueing (Little's law),",
    'not what a shopper waits at a given load. Its former target (p99 < 20 ms at 50 connections) needed',
    'about 4,000 requests/s, more than 2 vCPUs shared by the server, Postgres and the load generator give.',
    '',
    '## What the routes read',
    '',
    '`/public/trends/{id}` runs `sharedSeriesQuery` and `/products/{id}/prices` `priceSeriesQuery`',
    '(services/price-watch/src/prices/prices.repository.ts), one prepared statement each: the product row,',
    "the currency of the newest shared price from `price_shared` (the chart also of the viewer's own",
    "observations, through `price_observation`'s indexes; the bench user has none), and the points from a",
    "range of `price_shared_daily`'s primary key `(product_id, day, store_slug, currency)`. `price_daily`",
    'and `price_latest` are still loaded (the service keeps them) but neither route reads them: the bench',
    'of before loaded only those and no shared prices, so both routes answered an empty series (the',
    'currency of a product without a shared price is null, and so are its points) and its figures measured',
    'a read of the product row alone. The shared rows are generated set-based from the observations (all',
    "store-sourced: a day's shared price is its newest observation) and checked against the service's own",
    `rebuild for one product (above). EXPLAIN ANALYZE for one product: publicTrend90d ${executionTime('publicTrend90d')}, productPrices365dWeekly ${executionTime('productPrices365dWeekly')} (full plans in the JSON).`,
    'The servers run in processes of their own (bench/pricing/server.ts, noop-server.ts); "server CPU per',
    'request" is that process\'s user + system CPU time during the measurement divided by the answers.',
    '',
  ];
  await writeFile(path.join(resultsDir, `${base}.md`), lines.join('\n'));
}

await main();

/**
 * Orders checkout benchmark: checkout throughput at 50 concurrent clients when every cart contains the
 * same hot product (all checkouts serialise on one catalog row), and a sell-out where far more
 * checkouts than units arrive at once. Zero oversells is checked against the database afterwards. Beside
 * them, in the same run, the raw limit (issue #24): the bare SQL of reserving the hot row and committing
 * (BEGIN; the checkout's conditional UPDATE; COMMIT) at the same 50 clients over a pool of the same size
 * as the service's, so the checkout's throughput is reported as a share of what the hot row allows.
 *
 * The orders service runs as its real process (`services/orders/dist/main.js`) in its own schema on a
 * free loopback port; this script plays the gateway (service key + identity headers).
 * Run from the repo root after building: `pnpm exec tsx bench/orders/run.ts` (ORDERS_CPU_PROF_DIR=<dir> for a
 * CPU profile of the orders process). CPU per checkout and per raw transaction is counted from /proc: the
 * orders process, its Postgres backends (application_name 'orders') and this load generator.
 * Results: bench/results/orders-<date>.json and bench/results/orders.md.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { newId } from '@cartwatch/db';
import pg from 'pg';
import { cpuOf, cpuSince, processCpuSeconds } from '../cpu.js';
import { summarise } from '../profile-summary.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const ordersDir = path.join(repoRoot, 'services/orders');
const config = {
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  serviceKey: `bench-${randomBytes(24).toString('hex')}`,
  clients: 50,
  contention: { checkouts: 1000, hotStock: 1_000_000, coldProducts: 50 },
  sellOut: { checkouts: 1000, hotStock: 100 },
  dbPoolMax: 10,
};
const schema = `bench_orders_${randomBytes(4).toString('hex')}`;
/** With ORDERS_CPU_PROF_DIR set, the orders process writes a V8 CPU profile there when it stops. */
const cpuProfileDir = process.env.ORDERS_CPU_PROF_DIR;
/** The benchmark's own connection: setup, stock checks, finding the backends whose CPU it counts. */
const client = new pg.Client({ connectionString: config.databaseUrl });
/** The orders process under test and when it started (its Postgres backends connected after that). */
let ordersProcess = { pid: 0, startedAt: new Date() };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const admin = { id: newId(), role: 'admin' };

/** The few response fields the benchmark reads. */
interface ApiBody {
  id?: string;
  productId?: string;
  error?: { code?: string; details?: { reason?: string } };
}
let baseUrl = '';

async function call(
  method: string,
  url: string,
  user: { id: string; role?: string },
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: ApiBody }> {
  const response = await fetch(`${baseUrl}${url}`, {
    method,
    headers: {
      'x-service-key': config.serviceKey,
      'x-user-id': user.id,
      'x-user-role': user.role ?? 'user',
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as ApiBody };
}

async function expectStatus(promise: Promise<{ status: number; body: ApiBody }>, status: number) {
  const result = await promise;
  if (result.status !== status)
    throw new Error(`expected ${status}, got ${result.status}: ${JSON.stringify(result.body)}`);
  return result.body;
}

/** Runs `tasks` with `concurrency` workers; returns per-task latency in ms. */
async function runPool<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await task(item);
      }
    }),
  );
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function createProduct(
  locationId: string,
  name: string,
  onHand: number,
): Promise<{ id: string; productId: string }> {
  const body = await expectStatus(
    call('POST', '/catalog/items', admin, { locationId, productId: newId(), name, priceCents: 199, onHand }),
    201,
  );
  return { id: body.id ?? '', productId: body.productId ?? '' };
}

async function prepareCarts(locationId: string, hot: string, cold: string[], count: number) {
  const users = Array.from({ length: count }, () => ({ id: newId() }));
  await runPool(users, config.clients, async (user) => {
    await expectStatus(call('POST', '/cart/items', user, { locationId, productId: hot, quantity: 1 }), 200);
    if (cold.length > 0) {
      const productId = cold[Math.floor(Math.random() * cold.length)] as string;
      await expectStatus(call('POST', '/cart/items', user, { locationId, productId, quantity: 1 }), 200);
    }
  });
  return users;
}

async function checkoutAll(locationId: string, users: Array<{ id: string }>) {
  const latencies: number[] = [];
  const statuses = new Map<string, number>();
  const cpuBefore = await ordersCpu();
  const generatorBefore = process.cpuUsage();
  const started = performance.now();
  await runPool(users, config.clients, async (user) => {
    const t0 = performance.now();
    const result = await call('POST', '/orders', user, { locationId }, { 'idempotency-key': randomUUID() });
    latencies.push(performance.now() - t0);
    const label =
      result.status === 201
        ? '201'
        : `${result.status} ${result.body?.error?.details?.reason ?? result.body?.error?.code}`;
    statuses.set(label, (statuses.get(label) ?? 0) + 1);
  });
  const seconds = (performance.now() - started) / 1000;
  const generator = process.cpuUsage(generatorBefore);
  const cpuAfter = await ordersCpu();
  latencies.sort((a, b) => a - b);
  return {
    cpuMsPer: {
      orders: perItemMs(cpuAfter.process - cpuBefore.process, users.length),
      postgres: perItemMs(cpuSince(cpuBefore.backends, cpuAfter.backends), users.length),
      generator: perItemMs((generator.user + generator.system) / 1e6, users.length),
    },
    checkouts: users.length,
    seconds: Number(seconds.toFixed(2)),
    perSecond: Math.round(users.length / seconds),
    placedPerSecond: Math.round((statuses.get('201') ?? 0) / seconds),
    statuses: Object.fromEntries(statuses),
    latencyMs: {
      p50: Number(percentile(latencies, 50).toFixed(1)),
      p95: Number(percentile(latencies, 95).toFixed(1)),
      p99: Number(percentile(latencies, 99).toFixed(1)),
      max: Number((latencies.at(-1) ?? 0).toFixed(1)),
    },
  };
}

/** The raw limit: `count` transactions that each reserve 1 unit of the hot row and commit, nothing else. */
async function rawReserveAll(catalogItemId: string, count: number) {
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    max: config.dbPoolMax,
    application_name: RAW_APPLICATION_NAME,
  });
  const latencies: number[] = [];
  const generatorBefore = process.cpuUsage();
  const started = performance.now();
  let postgresCpuSeconds = 0;
  try {
    await runPool(
      Array.from({ length: count }, (_, index) => index),
      config.clients,
      async () => {
        const t0 = performance.now();
        const connection = await pool.connect();
        try {
          await connection.query('begin');
          const { rowCount } = await connection.query(
            `update ${schema}.catalog_item ci set reserved = ci.reserved + 1, updated_at = now()
             where ci.id = $1 and ci.active and ci.deleted_at is null and ci.on_hand - ci.reserved >= 1`,
            [catalogItemId],
          );
          if (rowCount !== 1) throw new Error('the raw reservation found no stock');
          await connection.query('commit');
        } finally {
          connection.release();
        }
        latencies.push(performance.now() - t0);
      },
    );
    // The pool's backends started with this phase, so all their CPU is its CPU.
    postgresCpuSeconds = cpuSince(new Map(), cpuOf(await backendPids(RAW_APPLICATION_NAME, new Date(0))));
  } finally {
    await pool.end();
  }
  const seconds = (performance.now() - started) / 1000;
  const generator = process.cpuUsage(generatorBefore);
  latencies.sort((a, b) => a - b);
  return {
    transactions: count,
    seconds: Number(seconds.toFixed(2)),
    perSecond: Math.round(count / seconds),
    latencyMs: {
      p50: Number(percentile(latencies, 50).toFixed(1)),
      p99: Number(percentile(latencies, 99).toFixed(1)),
    },
    cpuMsPer: {
      postgres: perItemMs(postgresCpuSeconds, count),
      generator: perItemMs((generator.user + generator.system) / 1e6, count),
    },
  };
}

const RAW_APPLICATION_NAME = 'bench-orders-raw';

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Stops the orders process and summarises the CPU profile it wrote (the newest in `dir`). */
async function profileOfOrders(child: ChildProcess, dir: string) {
  await stopChild(child);
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'));
  const newest = (
    await Promise.all(files.map(async (name) => ({ name, at: (await stat(path.join(dir, name))).mtimeMs })))
  ).sort((a, b) => b.at - a.at)[0];
  if (!newest) throw new Error(`the orders process wrote no CPU profile in ${dir}`);
  return summarise(JSON.parse(await readFile(path.join(dir, newest.name), 'utf8')), 12);
}

/** CPU seconds so far of the orders process and of each of its Postgres backends (application_name 'orders'). */
async function ordersCpu() {
  return {
    process: processCpuSeconds(ordersProcess.pid),
    backends: cpuOf(await backendPids('orders', ordersProcess.startedAt)),
  };
}

/** The pids of the Postgres backends of an application that connected since `since`. */
async function backendPids(applicationName: string, since: Date): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>(
    'select pid from pg_stat_activity where application_name = $1 and backend_start >= $2',
    [applicationName, since],
  );
  return rows.map((row) => row.pid);
}

const perItemMs = (cpuSeconds: number, count: number) => Math.round((cpuSeconds / count) * 1e5) / 100;

async function stockCheck(client: pg.Client, catalogItemId: string) {
  const { rows } = await client.query(
    `select ci.on_hand, ci.reserved,
       (select coalesce(sum(oi.quantity), 0)::int from ${schema}.order_item oi join ${schema}."order" o on o.id = oi.order_id
         where oi.catalog_item_id = ci.id and o.status = 'PENDING') as units_in_orders,
       (select count(*)::int from ${schema}.catalog_item where reserved > on_hand or reserved < 0) as violations
     from ${schema}.catalog_item ci where ci.id = $1`,
    [catalogItemId],
  );
  return rows[0] as { on_hand: number; reserved: number; units_in_orders: number; violations: number };
}

async function main() {
  const startedAt = new Date().toISOString();
  const load = os.loadavg()[0]?.toFixed(2);
  const port = await freePort();
  const managementPort = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH ?? '',
    SERVICE_KEY: config.serviceKey,
    DATABASE_URL: config.databaseUrl,
    NATS_URL: config.natsUrl,
    DB_SCHEMA: schema,
    DB_POOL_MAX: String(config.dbPoolMax),
    HOST: '127.0.0.1',
    PORT: String(port),
    MANAGEMENT_PORT: String(managementPort),
    LOG_LEVEL: 'warn',
  };
  execFileSync(process.execPath, ['dist/migrate.js', 'latest'], { cwd: ordersDir, env, stdio: 'ignore' });
  const ordersStartedAt = new Date();
  const child: ChildProcess = spawn(
    process.execPath,
    [...(cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : []), 'dist/main.js'],
    {
      cwd: ordersDir,
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  ordersProcess = { pid: child.pid ?? 0, startedAt: ordersStartedAt };
  await client.connect();
  try {
    for (let i = 0; i < 200; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${managementPort}/ready`)).status === 200) break;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const location = await expectStatus(
      call('POST', '/catalog/locations', admin, { storeSlug: 'bench', name: 'Bench', currency: 'USD' }),
      201,
    );
    const locationId = location.id ?? '';

    // Phase 1: every cart holds the hot product (plus one of 50 cold ones): all checkouts contend on one row.
    const hot = await createProduct(locationId, 'Hot product', config.contention.hotStock);
    const cold: string[] = [];
    for (let i = 0; i < config.contention.coldProducts; i++)
      cold.push((await createProduct(locationId, `Cold ${i}`, 1_000_000)).productId);
    const contentionUsers = await prepareCarts(locationId, hot.productId, cold, config.contention.checkouts);
    const contention = await checkoutAll(locationId, contentionUsers);
    const contentionStock = await stockCheck(client, hot.id);

    // The raw limit, in the same run: reserving a hot row of its own and committing, nothing else.
    const rawHot = await createProduct(locationId, 'Raw hot product', config.contention.hotStock);
    const rawLimit = await rawReserveAll(rawHot.id, config.contention.checkouts);
    const shareOfRawLimit = Math.round((contention.perSecond / rawLimit.perSecond) * 1000) / 10;

    // Phase 2: sell-out: 1,000 checkouts at once for 100 units.
    const scarce = await createProduct(locationId, 'Scarce product', config.sellOut.hotStock);
    const sellOutUsers = await prepareCarts(locationId, scarce.productId, [], config.sellOut.checkouts);
    const sellOut = await checkoutAll(locationId, sellOutUsers);
    const sellOutStock = await stockCheck(client, scarce.id);

    const oversells =
      Math.max(0, sellOutStock.units_in_orders - config.sellOut.hotStock) +
      contentionStock.violations +
      sellOutStock.violations +
      (sellOutStock.reserved === sellOutStock.units_in_orders ? 0 : 1) +
      (contentionStock.reserved === contentionStock.units_in_orders ? 0 : 1);
    const result = {
      startedAt,
      loadAverage1m: load,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
        node: process.version,
        platform: `${os.type()} ${os.release()} ${os.arch()}`,
      },
      config,
      contention: { ...contention, stock: contentionStock },
      rawLimit,
      shareOfRawLimit,
      sellOut: { ...sellOut, stock: sellOutStock },
      oversells,
    };
    result.config.serviceKey = '(random)';
    // The orders process writes its CPU profile when it exits: stop it now and summarise the profile.
    const profile = cpuProfileDir ? await profileOfOrders(child, cpuProfileDir) : undefined;
    const date = result.startedAt.slice(0, 10);
    await mkdir(path.join(repoRoot, 'bench/results'), { recursive: true });
    await writeFile(
      path.join(repoRoot, `bench/results/orders-${date}.json`),
      `${JSON.stringify({ ...result, ...(profile && { profile }) }, null, 2)}\n`,
    );
    console.log(JSON.stringify(result, null, 2));
    if (oversells !== 0) process.exitCode = 1;
  } finally {
    await stopChild(child);
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
}

await main();

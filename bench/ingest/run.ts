/**
 * Line items per second through the receipt-ingest API into Postgres, each new purchase's
 * purchase.recorded.v1 queued in the outbox in the same transaction: JSON batches
 * (`POST /receipts/batch`) and streamed CSV (`POST /receipts/csv`), over HTTP on loopback.
 *
 * Uses its own schema and removes it afterwards. Needs `pnpm build` first. Results:
 * bench/results/ingest.json and bench/results/ingest.md.
 *   pnpm exec tsx bench/ingest/run.ts
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { createDatabase, migrateSchema } from '@cartwatch/db';
import { migrationsFolder, serviceDefinition } from '@cartwatch/receipt-ingest';
import { createAppFromEnv } from '@cartwatch/service-runtime';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SERVICE_KEY = 'bench-service-key-0000000000000000000000000000000';
const schema = `bench_ingest_${randomUUID().slice(0, 8)}`;

const config = {
  json: { requests: 40, receiptsPerRequest: 20, itemsPerReceipt: 50, concurrency: 4 },
  csv: { requests: 6, receiptsPerRequest: 100, itemsPerReceipt: 100, concurrency: 2 },
};

const user = (n: number) => `0192f9b4-6f3c-7c1e-9d0a-${String(n).padStart(12, '0')}`;

function headers(userId: string, contentType: string) {
  return {
    'X-Service-Key': SERVICE_KEY,
    'X-User-Id': userId,
    'X-User-Role': 'user',
    'Content-Type': contentType,
  };
}

function jsonBody(request: number): string {
  const receipts = Array.from({ length: config.json.receiptsPerRequest }, (_, r) => ({
    storeSlug: 'bench-mart',
    purchasedAt: new Date(Date.UTC(2026, 0, 1) + request * 86_400_000 + r * 60_000).toISOString(),
    currency: 'USD',
    retailerReceiptId: `J-${request}-${r}`,
    items: Array.from({ length: config.json.itemsPerReceipt }, (_, i) => ({
      name: `Product ${i} family pack`,
      gtin: String(10_000_000_000 + i).padStart(13, '0'),
      category: ['dairy', 'produce', 'bakery', 'pantry'][i % 4],
      quantity: i % 5 === 0 ? 1.254 : 1 + (i % 3),
      unit: i % 5 === 0 ? 'kg' : 'ea',
      unitPriceCents: 99 + i,
      regularPriceCents: 129 + i,
    })),
  }));
  return JSON.stringify({ receipts });
}

function csvBody(request: number): string {
  const lines = [
    'receipt_id,store,purchased_at,currency,name,category,quantity,unit,unit_price,regular_price',
  ];
  for (let r = 0; r < config.csv.receiptsPerRequest; r += 1) {
    const at = new Date(Date.UTC(2026, 5, 1) + request * 86_400_000 + r * 60_000).toISOString();
    for (let i = 0; i < config.csv.itemsPerReceipt; i += 1) {
      lines.push(
        `C-${request}-${r},bench-mart,${at},USD,Product ${i},pantry,${i % 5 === 0 ? '0.750' : '2'},${i % 5 === 0 ? 'kg' : 'ea'},1.${String(i % 100).padStart(2, '0')},2.49`,
      );
    }
  }
  return lines.join('\n');
}

async function runPhase(
  base: string,
  bodies: string[],
  concurrency: number,
  send: (body: string, index: number) => Promise<Response>,
): Promise<{ items: number; seconds: number; itemsPerSecond: number; requestMs: number[] }> {
  let next = 0;
  let items = 0;
  const requestMs: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const index = next;
        next += 1;
        const t0 = performance.now();
        const response = await send(bodies[index] as string, index);
        const body = (await response.json()) as { itemCount?: number };
        if (!response.ok || body.itemCount === undefined)
          throw new Error(`${base}: ${response.status} ${JSON.stringify(body)}`);
        requestMs.push(performance.now() - t0);
        items += body.itemCount;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { items, seconds: round(seconds), itemsPerSecond: Math.round(items / seconds), requestMs };
}

function round(value: number, digits = 3): number {
  return Number(value.toFixed(digits));
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0, 1);
}

async function main() {
  const loadAverage1m = round(os.loadavg()[0] ?? 0, 2);
  const admin = createDatabase({ connectionString: DATABASE_URL, schema, max: 2 });
  await migrateSchema(admin, { migrationsFolder });
  const built = createAppFromEnv(serviceDefinition, {
    SERVICE_KEY,
    DATABASE_URL,
    NATS_URL: 'nats://127.0.0.1:4222',
    DB_SCHEMA: schema,
    DB_POOL_MAX: '10',
    LOG_LEVEL: 'silent',
    BODY_LIMIT: '10mb',
  });
  const server = built.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const created = await fetch(`${base}/stores`, {
      method: 'POST',
      headers: { ...headers(user(0), 'application/json'), 'X-User-Role': 'admin' },
      body: JSON.stringify({ slug: 'bench-mart', name: 'Bench Mart', ingestionMethods: ['json', 'csv'] }),
    });
    if (created.status !== 201) throw new Error(`creating the store: ${created.status}`);

    // Warm-up: JIT, pool connections, plan caches.
    await runPhase(base, [jsonBody(10_000)], 1, (body) =>
      fetch(`${base}/receipts/batch`, {
        method: 'POST',
        headers: headers(user(99), 'application/json'),
        body,
      }),
    );

    const jsonBodies = Array.from({ length: config.json.requests }, (_, i) => jsonBody(i));
    const json = await runPhase(base, jsonBodies, config.json.concurrency, (body, i) =>
      fetch(`${base}/receipts/batch`, {
        method: 'POST',
        headers: headers(user(1 + (i % 4)), 'application/json'),
        body,
      }),
    );
    const csvBodies = Array.from({ length: config.csv.requests }, (_, i) => csvBody(i));
    const csv = await runPhase(base, csvBodies, config.csv.concurrency, (body, i) =>
      fetch(`${base}/receipts/csv`, {
        method: 'POST',
        headers: headers(user(11 + (i % 2)), 'text/csv'),
        body,
      }),
    );

    const counts = await admin.pool.query<{ items: string; outbox: string }>(
      'select (select count(*) from purchase_item) as items, (select count(*) from outbox) as outbox',
    );
    const results = {
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryGiB: round(os.totalmem() / 2 ** 30, 1),
        node: process.version,
        loadAverage1mAtStart: loadAverage1m,
        loadAverage1mAtEnd: round(os.loadavg()[0] ?? 0, 2),
      },
      config,
      json: {
        ...json,
        requestMs: undefined,
        p50RequestMs: percentile(json.requestMs, 50),
        p99RequestMs: percentile(json.requestMs, 99),
      },
      csv: {
        ...csv,
        requestMs: undefined,
        p50RequestMs: percentile(csv.requestMs, 50),
        p99RequestMs: percentile(csv.requestMs, 99),
      },
      stored: { lineItems: Number(counts.rows[0]?.items), outboxEvents: Number(counts.rows[0]?.outbox) },
      target: { itemsPerSecond: 5_000 },
    };
    const folder = new URL('../results/', import.meta.url);
    await writeFile(new URL('ingest.json', folder), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(new URL('ingest.md', folder), markdown(results));
    console.log(JSON.stringify(results, null, 2));
  } finally {
    server.close();
    await built.close();
    await admin.pool.query(`drop schema if exists ${schema} cascade`);
    await admin.close();
  }
}

function markdown(r: {
  date: string;
  machine: Record<string, unknown>;
  json: {
    items: number;
    seconds: number;
    itemsPerSecond: number;
    p50RequestMs: number;
    p99RequestMs: number;
  };
  csv: { items: number; seconds: number; itemsPerSecond: number; p50RequestMs: number; p99RequestMs: number };
  stored: { lineItems: number; outboxEvents: number };
}): string {
  const ok = (value: number) => (value >= 5_000 ? 'met' : 'NOT met');
  return `# bench/ingest: line items per second through the receipt-ingest API

Last run: ${r.date} (\`pnpm build && pnpm exec tsx bench/ingest/run.ts\`, raw JSON in \`bench/results/ingest.json\`).
Machine: ${r.machine.cpus} vCPUs (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB, Node ${r.machine.node};
Postgres on the same machine. **1-minute load average ${r.machine.loadAverage1mAtStart} at start,
${r.machine.loadAverage1mAtEnd} at the end** — the machine is shared with other work, so these figures are a floor.

Each request goes over HTTP on loopback through the whole app (service-key guard, validation, catalog
checks, dedupe keys) and commits the purchases, their line items and one \`purchase.recorded.v1\` outbox
row per purchase in one transaction.

| path | what | line items | time | line items/s | request p50 / p99 | target 5,000/s |
| --- | --- | --- | --- | --- | --- | --- |
| JSON | \`POST /receipts/batch\`, ${config.json.receiptsPerRequest} receipts x ${config.json.itemsPerReceipt} items per request, ${config.json.concurrency} in flight | ${r.json.items} | ${r.json.seconds} s | **${r.json.itemsPerSecond}** | ${r.json.p50RequestMs} / ${r.json.p99RequestMs} ms | ${ok(r.json.itemsPerSecond)} |
| CSV | \`POST /receipts/csv\`, ${config.csv.receiptsPerRequest * config.csv.itemsPerReceipt} lines per request (streamed), ${config.csv.concurrency} in flight | ${r.csv.items} | ${r.csv.seconds} s | **${r.csv.itemsPerSecond}** | ${r.csv.p50RequestMs} / ${r.csv.p99RequestMs} ms | ${ok(r.csv.itemsPerSecond)} |

Stored afterwards: ${r.stored.lineItems} line items (including a warm-up request), ${r.stored.outboxEvents} outbox events.
`;
}

await main();

/**
 * A weighted mix of shopper requests through the gateway, for the load smoke test and bench/load: browse
 * products, public trends, purchases, cart adds and checkouts, from a fixed number of workers (each a
 * shopper of its own, one request at a time) for a fixed time. Seeding goes through the same public API.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { GatewayClient, Session } from './gateway-client.js';
import { createLoadStore, importReceipts, receiptLoad } from './receipt-load.js';

export const requestClasses = ['products', 'trends', 'purchases', 'cartAdd', 'checkout'] as const;
export type RequestClass = (typeof requestClasses)[number];

/** Share of each class in the mix (checkout needs a cart item: a worker with an empty cart adds one instead). */
export const mixWeights: Record<RequestClass, number> = {
  products: 30,
  trends: 25,
  purchases: 20,
  cartAdd: 15,
  checkout: 10,
};

export interface LoadSeed {
  locationId: string;
  productIds: string[];
  shoppers: Session[];
}

/** A store with a catalog (plenty on hand) and `shopperCount` shoppers, each with receipts imported and matched. */
export async function seedLoad(
  gateway: GatewayClient,
  admin: Session,
  { shopperCount, receiptsPerShopper }: { shopperCount: number; receiptsPerShopper: number },
): Promise<LoadSeed> {
  const load = receiptLoad(shopperCount * receiptsPerShopper, 10, 20);
  await createLoadStore(gateway, admin, load);
  const location = await gateway.post<{ id: string }>(
    '/catalog/locations',
    { storeSlug: load.storeSlug, name: 'Load Mart Central', currency: 'USD' },
    { token: admin.token, expect: 201 },
  );
  const productIds: string[] = [];
  for (const [index, gtin] of load.gtins.entries()) {
    const item = await gateway.post<{ productId: string }>(
      '/catalog/items',
      {
        locationId: location.body.id,
        gtin,
        name: `Load Product ${index}`,
        priceCents: 199 + index * 10,
        onHand: 1_000_000,
      },
      { token: admin.token, expect: 201 },
    );
    productIds.push(item.body.productId);
  }
  const shoppers: Session[] = [];
  for (let index = 0; index < shopperCount; index++) {
    const shopper = await gateway.registerUser(`load-shopper-${index}`);
    await importReceipts(
      gateway,
      shopper,
      load,
      index * receiptsPerShopper,
      (index + 1) * receiptsPerShopper,
    );
    shoppers.push(shopper);
  }
  return { locationId: location.body.id, productIds, shoppers };
}

export interface ClassResult {
  requests: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export interface LoadResult {
  durationMs: number;
  workers: number;
  requests: number;
  errors: number;
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  perClass: Record<RequestClass, ClassResult>;
  /** The first few error messages, for the report. */
  errorSamples: string[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, index)] ?? 0) * 100) / 100;
}

function summarize(latencies: number[]): Pick<ClassResult, 'p50Ms' | 'p95Ms' | 'p99Ms'> {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), p99Ms: percentile(sorted, 99) };
}

function pickClass(random: number): RequestClass {
  const total = Object.values(mixWeights).reduce((sum, weight) => sum + weight, 0);
  let point = random * total;
  for (const name of requestClasses) {
    point -= mixWeights[name];
    if (point < 0) return name;
  }
  return 'products';
}

/** Runs the mix with one worker per seeded shopper for `durationMs`; every answer other than the expected status is an error. */
export async function runLoad(
  gateway: GatewayClient,
  seed: LoadSeed,
  durationMs: number,
): Promise<LoadResult> {
  const latencies = Object.fromEntries(requestClasses.map((name) => [name, [] as number[]])) as Record<
    RequestClass,
    number[]
  >;
  const errors = Object.fromEntries(requestClasses.map((name) => [name, 0])) as Record<RequestClass, number>;
  const errorSamples: string[] = [];
  const started = performance.now();
  const deadline = started + durationMs;

  const request = async (name: RequestClass, run: () => Promise<unknown>) => {
    const begin = performance.now();
    try {
      await run();
      latencies[name].push(performance.now() - begin);
    } catch (error) {
      errors[name]++;
      if (errorSamples.length < 10) errorSamples.push(`${name}: ${String(error).slice(0, 300)}`);
    }
  };

  const worker = async (shopper: Session, index: number) => {
    let cartItems = 0;
    let step = index;
    while (performance.now() < deadline) {
      step++;
      const productId = seed.productIds[step % seed.productIds.length];
      let name = pickClass(Math.random());
      if (name === 'checkout' && cartItems === 0) name = 'cartAdd';
      const token = shopper.token;
      if (name === 'products') {
        await request(name, () => gateway.get('/products?limit=20', { token, expect: 200 }));
      } else if (name === 'trends') {
        await request(name, () => gateway.get(`/public/trends/${productId}`, { expect: 200 }));
      } else if (name === 'purchases') {
        await request(name, () => gateway.get('/purchases?limit=20', { token, expect: 200 }));
      } else if (name === 'cartAdd') {
        await request(name, async () => {
          await gateway.post(
            '/cart/items',
            { locationId: seed.locationId, productId, quantity: 1 },
            { token, expect: 200 },
          );
          cartItems++;
        });
      } else {
        await request(name, async () => {
          await gateway.post(
            '/orders',
            { locationId: seed.locationId },
            { token, expect: 201, headers: { 'idempotency-key': randomUUID() } },
          );
          cartItems = 0;
        });
      }
    }
  };

  await Promise.all(seed.shoppers.map((shopper, index) => worker(shopper, index)));
  const elapsed = performance.now() - started;
  const all = requestClasses.flatMap((name) => latencies[name]);
  const errorCount = requestClasses.reduce((sum, name) => sum + errors[name], 0);
  const requests = all.length + errorCount;
  return {
    durationMs: Math.round(elapsed),
    workers: seed.shoppers.length,
    requests,
    errors: errorCount,
    requestsPerSecond: Math.round((requests / elapsed) * 1000 * 10) / 10,
    ...summarize(all),
    perClass: Object.fromEntries(
      requestClasses.map((name) => [
        name,
        {
          requests: latencies[name].length + errors[name],
          errors: errors[name],
          ...summarize(latencies[name]),
        },
      ]),
    ) as Record<RequestClass, ClassResult>,
    errorSamples,
  };
}

/** Resident and peak resident memory of a process in MiB, from /proc/<pid>/status (Linux). */
export async function memoryOf(pid: number): Promise<{ rssMiB: number; peakRssMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return {
    rssMiB: Math.round((kib('VmRSS') / 1024) * 10) / 10,
    peakRssMiB: Math.round((kib('VmHWM') / 1024) * 10) / 10,
  };
}

/**
 * The demo store of `pnpm start`: the reference retailer site (reference-retailer.ts) with one account
 * and a few orders, so a person can connect a store from the web app's Store accounts screen and watch
 * its orders arrive as purchases (docs/retailer-adapters.md). receipt-ingest registers its adapter,
 * `reference-mart`, only when REFERENCE_RETAILER_URL is set, which no shipped configuration does.
 */
import {
  type FixtureOrder,
  type ReferenceRetailerSite,
  startReferenceRetailer,
} from './reference-retailer.js';

/** The retailer slug receipt-ingest's reference adapter serves. */
export const DEMO_STORE_SLUG = 'reference-mart';

/** The demo store's account, printed at start and in README.md. */
export const DEMO_STORE_ACCOUNT = { username: 'shopper@example.test', password: 'shopper-password' } as const;

/** Four orders of milk and bananas, a week apart. */
export const demoStoreOrders: readonly FixtureOrder[] = [1, 2, 3, 4].map((n) => ({
  id: `RR-${2000 + n}`,
  placedAt: `2026-11-0${2 * n - 1}T17:20:00.000Z`,
  lines: [
    { name: 'Whole Milk 1 gal', gtin: '011110038364', quantity: '1', unitPriceCents: 399, paidCents: 399 },
    { name: 'Bananas', quantity: `0.${800 + n}`, unit: 'kg', unitPriceCents: 129, paidCents: 104 + n },
  ],
}));

export function startDemoStore(options: { port?: number } = {}): Promise<ReferenceRetailerSite> {
  return startReferenceRetailer({
    ...(options.port !== undefined && { port: options.port }),
    accounts: [{ ...DEMO_STORE_ACCOUNT, orders: [...demoStoreOrders] }],
  });
}

/**
 * Creates the demo store's retailer (`reference-mart`, ingestion method `sync`) through the gateway as
 * the admin, unless it exists: the Store accounts screen lists only retailers the platform has.
 * Returns whether it created it.
 */
export async function ensureDemoStoreRetailer(
  gatewayUrl: string,
  admin: { email: string; password: string },
  website: string,
): Promise<boolean> {
  const call = async (method: string, route: string, body?: unknown, token?: string) => {
    const response = await fetch(new URL(route, gatewayUrl), {
      method,
      headers: {
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(token && { authorization: `Bearer ${token}` }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as unknown };
  };
  const login = await call('POST', '/auth/login', admin);
  const token = (login.body as { tokens?: { accessToken?: string } } | undefined)?.tokens?.accessToken;
  if (login.status !== 200 || !token) throw new Error(`the admin could not log in (${login.status})`);
  const existing = await call('GET', `/stores/${DEMO_STORE_SLUG}`, undefined, token);
  if (existing.status === 200) return false;
  const created = await call(
    'POST',
    '/stores',
    { slug: DEMO_STORE_SLUG, name: 'Reference Mart (demo store)', website, ingestionMethods: ['sync'] },
    token,
  );
  if (created.status !== 201) {
    throw new Error(
      `creating the demo store retailer answered ${created.status}: ${JSON.stringify(created.body)}`,
    );
  }
  return true;
}

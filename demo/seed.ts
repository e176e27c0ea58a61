/**
 * Demo data for a newcomer's first `pnpm start`: three retailers with locations, a store catalog with
 * stock and a store layout, two years of receipts for a demo shopper across the three stores (prices
 * rising, one cereal shrinking at the same price) and fewer for three neighbours (public figures need
 * k = 3 contributors), coupons and a smart cart. Everything goes through the
 * gateway's public API, as the web app would; nothing is written to a database directly.
 *
 * It runs only on an empty platform: when the demo shopper can log in or any retailer exists it prints
 * why and does nothing. Environment: GATEWAY_URL (default http://localhost:8080), ADMIN_EMAIL and
 * ADMIN_PASSWORD (the admin the gateway bootstraps; `pnpm start` sets a local one). `pnpm start` skips it
 * with CARTWATCH_DEMO_DATA=off.
 *
 *   tsx demo/seed.ts
 */
import { pathToFileURL } from 'node:url';
import { buildReceipts, type DemoStore, type GroceryItem, groceryItems } from './data.js';

export const DEMO_SHOPPER = {
  email: 'demo@cartwatch.local',
  password: 'cartwatch-demo',
  displayName: 'Demo Shopper',
};

export const demoStores: DemoStore[] = [
  { slug: 'fresh-fields', name: 'Fresh Fields', priceLevel: 1 },
  { slug: 'value-mart', name: 'Value Mart', priceLevel: 0.92 },
  { slug: 'corner-grocer', name: 'Corner Grocer', priceLevel: 1.08 },
];

/**
 * Three neighbours who shop the same stores, less often: shared prices and every public figure rest on
 * at least k = 3 distinct contributors (docs/privacy.md), so the demo shopper's receipts alone would
 * show no public trend, category trend or CPI basket.
 */
export const DEMO_NEIGHBOURS = [1, 2, 3].map((index) => ({
  email: `neighbour-${index}@cartwatch.local`,
  password: 'cartwatch-demo',
  displayName: `Demo Neighbour ${index}`,
}));
const NEIGHBOUR_VISITS = 50;
const NEIGHBOUR_EVERY_DAYS = 14.6;

const DAY_MS = 86_400_000;
/** Two years of shopping, every three to four days, the stores taking turns. */
const VISITS = 200;
const EVERY_DAYS = 3.65;
const SEED = 20_240_101;

export interface SeedResult {
  seeded: boolean;
  reason?: string;
  receipts: number;
  lines: number;
  /** Lines of the neighbours' receipts. */
  neighbourLines: number;
}

class Api {
  constructor(
    readonly url: string,
    private readonly token?: string,
  ) {}

  as(token: string): Api {
    return new Api(this.url, token);
  }

  async call<T>(
    method: string,
    path: string,
    body?: unknown,
    expect?: number[],
    attempt = 0,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(this.token && { authorization: `Bearer ${this.token}` }),
      },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    // 503 means "retry later" (e.g. price-watch busy matching the receipts just imported).
    if (response.status === 503 && attempt < 5) {
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
      return this.call(method, path, body, expect, attempt + 1);
    }
    const ok = expect ? expect.includes(response.status) : response.ok;
    if (!ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 1_000)}`);
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
}

interface Session {
  user: { id: string };
  tokens: { accessToken: string };
}

/** Seeds the platform behind `gatewayUrl` unless it already has data; returns what it did. */
export async function seedDemo(
  gatewayUrl: string,
  admin: { email: string; password: string },
  log: (line: string) => void = () => {},
): Promise<SeedResult> {
  const api = new Api(gatewayUrl.replace(/\/$/, ''));
  const demoLogin = await api.call<Session>(
    'POST',
    '/auth/login',
    { email: DEMO_SHOPPER.email, password: DEMO_SHOPPER.password },
    [200, 401],
  );
  if (demoLogin.status === 200) {
    return {
      seeded: false,
      reason: `the demo shopper ${DEMO_SHOPPER.email} already exists`,
      receipts: 0,
      lines: 0,
      neighbourLines: 0,
    };
  }
  const adminSession = await api.call<Session>('POST', '/auth/login', admin);
  const asAdmin = api.as(adminSession.body.tokens.accessToken);
  const retailers = await asAdmin.call<{ items: unknown[] }>('GET', '/stores?limit=1');
  if (retailers.body.items.length > 0) {
    return {
      seeded: false,
      reason: 'the platform already has retailers',
      receipts: 0,
      lines: 0,
      neighbourLines: 0,
    };
  }

  // Retailers and a location each (receipt-ingest), a store location with a catalog (orders).
  for (const store of demoStores) {
    await asAdmin.call('POST', '/stores', {
      slug: store.slug,
      name: store.name,
      website: `https://${store.slug}.example`,
      ingestionMethods: ['json', 'csv', 'text'],
    });
    await asAdmin.call('POST', `/stores/${store.slug}/locations`, {
      name: `${store.name} Downtown`,
      addressLine: '1 Market Street',
      city: 'Springfield',
      region: 'IL',
      postalCode: '62701',
      country: 'US',
    });
  }
  log(`retailers: ${demoStores.map((store) => store.slug).join(', ')}`);

  // A store the demo shopper can order from: catalog with stock, a layout, a smart cart. Before the
  // receipts: the catalog resolves each GTIN at price-watch, which would otherwise queue behind matching
  // 1,600 receipt lines.
  const items = groceryItems();
  const [home] = demoStores as [DemoStore];
  const location = await asAdmin.call<{ id: string }>('POST', '/catalog/locations', {
    storeSlug: home.slug,
    name: `${home.name} Downtown`,
    currency: 'USD',
  });
  const locationId = location.body.id;
  const catalog = await asAdmin.call<{ items: Array<{ productId: string; gtin: string | null }> }>(
    'POST',
    '/catalog/import',
    {
      locationId,
      items: items.map((item, index) => ({
        gtin: item.gtin,
        name: item.name,
        brand: item.brand,
        priceCents: item.basePriceCents,
        onHand: 20 + ((index * 7) % 40),
      })),
    },
  );
  const productOf = new Map(catalog.body.items.map((item) => [item.gtin, item.productId]));
  await asAdmin.call('PUT', `/store-layouts/${locationId}`, storeLayout(items));
  await asAdmin.call('POST', '/devices', { locationId, name: 'Cart 1' });
  log(`catalog: ${catalog.body.items.length} items at ${home.name} Downtown, a layout and a smart cart`);

  // Two years of receipts for the demo shopper, imported 100 at a time.
  const shopper = await api.call<Session>('POST', '/auth/register', DEMO_SHOPPER, [201]);
  const asShopper = api.as(shopper.body.tokens.accessToken);
  const start = new Date(Date.now() - VISITS * EVERY_DAYS * DAY_MS);
  const receipts = buildReceipts({
    items,
    stores: demoStores,
    start,
    visits: VISITS,
    everyDays: EVERY_DAYS,
    seed: SEED,
    itemsPerReceipt: 8,
    saleChance: 0.08,
    // A year in, the cereal loses 1.5 oz at the same price.
    shrink: {
      key: 'cereal',
      at: new Date(start.getTime() + 365 * DAY_MS),
      size: { value: 14.5, unit: 'oz' },
    },
  });
  let lines = 0;
  for (let offset = 0; offset < receipts.length; offset += 100) {
    const batch = receipts.slice(offset, offset + 100);
    const { body } = await asShopper.call<{ itemCount: number }>('POST', '/receipts/batch', {
      receipts: batch,
    });
    lines += body.itemCount;
  }
  log(`receipts: ${receipts.length} (${lines} lines) for ${DEMO_SHOPPER.email}`);

  // The neighbours' receipts over the same two years (same shelf prices, their own picks).
  let neighbourLines = 0;
  for (const [index, neighbour] of DEMO_NEIGHBOURS.entries()) {
    const session = await api.call<Session>('POST', '/auth/register', neighbour, [201]);
    const asNeighbour = api.as(session.body.tokens.accessToken);
    const theirs = buildReceipts({
      items,
      stores: demoStores,
      start,
      visits: NEIGHBOUR_VISITS,
      everyDays: NEIGHBOUR_EVERY_DAYS,
      seed: SEED + index + 1,
      itemsPerReceipt: 8,
      saleChance: 0.08,
      shrink: {
        key: 'cereal',
        at: new Date(start.getTime() + 365 * DAY_MS),
        size: { value: 14.5, unit: 'oz' },
      },
    });
    for (let offset = 0; offset < theirs.length; offset += 100) {
      const { body } = await asNeighbour.call<{ itemCount: number }>('POST', '/receipts/batch', {
        receipts: theirs.slice(offset, offset + 100),
      });
      neighbourLines += body.itemCount;
    }
    log(`receipts: ${theirs.length} for ${neighbour.email}`);
  }

  const coupons = demoCoupons(items, productOf);
  for (const coupon of coupons) await asAdmin.call('POST', '/coupons', coupon);
  log(`coupons: ${coupons.length}`);
  return { seeded: true, receipts: receipts.length, lines, neighbourLines };
}

/**
 * Entrance, four aisles by category, checkout. Like a store admin, the layout places categories, not
 * products: cart-device routes each product to its category's aisle (the category price-watch keeps
 * from the receipts; docs/store-routing.md, "Where a product is shelved").
 */
function storeLayout(items: GroceryItem[]) {
  const aisles: Record<string, string[]> = {
    'aisle-1': ['produce', 'bakery'],
    'aisle-2': ['dairy', 'meat'],
    'aisle-3': ['pantry', 'cereal', 'coffee'],
    'aisle-4': ['snacks', 'beverages', 'household'],
  };
  const categories = new Set(items.map((item) => item.category));
  return {
    nodes: [
      { id: 'entrance', kind: 'entrance', x: 0, y: 0, label: 'Entrance' },
      ...Object.keys(aisles).map((id, index) => ({ id, kind: 'aisle', x: 5 + index * 6, y: 10, label: id })),
      { id: 'checkout', kind: 'checkout', x: 30, y: 0, label: 'Checkout' },
    ],
    edges: [
      { from: 'entrance', to: 'aisle-1', distance: 11 },
      { from: 'aisle-1', to: 'aisle-2', distance: 6 },
      { from: 'aisle-2', to: 'aisle-3', distance: 6 },
      { from: 'aisle-3', to: 'aisle-4', distance: 6 },
      { from: 'aisle-4', to: 'checkout', distance: 14 },
    ],
    placements: Object.entries(aisles).flatMap(([nodeId, names]) =>
      names.filter((name) => categories.has(name)).map((category) => ({ nodeId, category })),
    ),
  };
}

function demoCoupons(items: GroceryItem[], productOf: Map<string | null, string>) {
  const validFrom = new Date(Date.now() - 7 * DAY_MS).toISOString();
  const validTo = new Date(Date.now() + 60 * DAY_MS).toISOString();
  const byKey = (key: string) => items.find((item) => item.key === key) as GroceryItem;
  const coffee = byKey('coffee');
  const yogurt = byKey('yogurt');
  return [
    {
      scope: { kind: 'product', productId: productOf.get(coffee.gtin) },
      type: 'percent',
      percentOff: 20,
      validFrom,
      validTo,
      title: `20% off ${coffee.name}`,
    },
    {
      scope: { kind: 'product', productId: productOf.get(yogurt.gtin) },
      type: 'fixed',
      amountOffCents: 100,
      storeSlug: 'value-mart',
      validFrom,
      validTo,
      requiresClip: true,
      title: `$1 off ${yogurt.name}`,
    },
    {
      scope: { kind: 'brand', brand: 'Barilla' },
      type: 'bogo',
      validFrom,
      validTo,
      title: 'Barilla pasta: buy one, get one free',
    },
    {
      scope: { kind: 'category', category: 'snacks' },
      type: 'percent',
      percentOff: 10,
      storeSlug: 'corner-grocer',
      validFrom,
      validTo,
      title: '10% off snacks',
    },
    {
      scope: { kind: 'store' },
      type: 'spend_threshold',
      thresholdCents: 5_000,
      amountOffCents: 500,
      storeSlug: 'fresh-fields',
      validFrom,
      validTo,
      title: '$5 off a $50 shop',
    },
  ];
}

async function main(): Promise<number> {
  const {
    GATEWAY_URL: gatewayUrl = 'http://localhost:8080',
    ADMIN_EMAIL: email,
    ADMIN_PASSWORD: password,
  } = process.env;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  if (!email || !password) {
    say('demo data skipped: ADMIN_EMAIL and ADMIN_PASSWORD are unset (the seeder needs the admin)');
    return 0;
  }
  const started = Date.now();
  const result = await seedDemo(gatewayUrl, { email, password }, say);
  if (!result.seeded) {
    say(`demo data skipped: ${result.reason}`);
    return 0;
  }
  say(`demo data ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  say(`demo login: ${DEMO_SHOPPER.email} / ${DEMO_SHOPPER.password}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main().catch((error: unknown) => {
    process.stderr.write(`demo data failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  });
}

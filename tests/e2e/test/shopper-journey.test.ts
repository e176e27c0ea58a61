/**
 * Issue #11, the shopper's journey end to end, only through the gateway (the database is read directly
 * only to prove the account deletion): register, import five months of receipts from three stores
 * (prices rising, one cereal shrinking at the same price), read purchases and spending stats, see
 * products with cross-store prices, get a price-increase and a shrinkflation alert on the SSE stream,
 * see a relevant coupon, optimize a list, pair a smart cart, scan, check out and pay, follow the order
 * to DELIVERED on the stream, read the public endpoints without a token, then delete the account: every
 * service purges the shopper's rows and leaves another shopper's alone.
 *
 * The steps share state and run in order (vitest runs the `it`s of a file sequentially).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildReceipts,
  type DemoStore,
  type GroceryItem,
  groceryItems,
  type Receipt,
  receiptLine,
  receiptTotalCents,
} from '../../../demo/data.js';
import { type Account, registerAccount } from '../src/accounts.js';
import { EventStream } from '../src/event-stream.js';
import { eventually } from '../src/eventually.js';
import { GatewayClient, type Session } from '../src/gateway-client.js';
import { sharedPlatform } from '../src/shared-platform.js';
import { serviceSchemas, tombstoneSchemas, type UserRowCount, userRowCounts } from '../src/user-rows.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);
const DAY_MS = 86_400_000;

const suffix = randomBytes(3).toString('hex');
const stores: DemoStore[] = [
  { slug: `corner-grocer-${suffix}`, name: 'Corner Grocer', priceLevel: 1.08 },
  { slug: `fresh-fields-${suffix}`, name: 'Fresh Fields', priceLevel: 1 },
  { slug: `value-mart-${suffix}`, name: 'Value Mart', priceLevel: 0.92 },
];
const [corner, , valueMart] = stores as [DemoStore, DemoStore, DemoStore];
// GTINs of this run only: the platform is shared with other files.
const assortment = groceryItems(`2${String(randomInt(0, 1_000_000)).padStart(6, '0')}`);
const pick = (key: string) => assortment.find((item) => item.key === key) as GroceryItem;
const [milk, eggs, cereal, coffee, pasta, bananas] = [
  'whole-milk',
  'eggs',
  'cereal',
  'coffee',
  'pasta',
  'bananas',
].map(pick) as [GroceryItem, GroceryItem, GroceryItem, GroceryItem, GroceryItem, GroceryItem];

const start = new Date(Date.now() - 150 * DAY_MS);
// Fifteen visits, every ten days, the three stores taking turns; the cereal shrinks from the tenth on.
const history = buildReceipts({
  items: [milk, eggs, cereal, coffee, pasta, bananas],
  stores,
  start,
  visits: 15,
  everyDays: 10,
  seed: 11,
  shrink: {
    key: 'cereal',
    at: new Date(start.getTime() + 9 * 10 * DAY_MS),
    size: { value: 14.5, unit: 'oz' },
  },
});
const lastAt = (store: DemoStore) =>
  history.filter((receipt) => receipt.storeSlug === store.slug).at(-1) as Receipt;
const lineOf = (receipt: Receipt, item: GroceryItem) => receipt.items.find((line) => line.gtin === item.gtin);
const coffeeBefore = lineOf(lastAt(corner), coffee)?.unitPriceCents as number;
// Two days ago the corner grocer raised the coffee 15 % (the default alert threshold is 10 %).
const coffeeAfter = Math.round(coffeeBefore * 1.15);
const priceHike: Receipt = {
  storeSlug: corner.slug,
  purchasedAt: new Date(Date.now() - 2 * DAY_MS).toISOString(),
  currency: 'USD',
  retailerReceiptId: `${corner.slug}-hike`,
  items: [receiptLine(coffee, coffeeAfter, 1)],
};
const receipts = [...history, priceHike];

interface PurchaseSummary {
  id: string;
  storeSlug: string;
  totalCents: number;
  itemCount: number;
}
interface PurchaseDetail extends PurchaseSummary {
  items: Array<{ gtin: string | null; productId: string | null; paidCents: number }>;
}
interface StatsGroup {
  key: string;
  spendCents: number;
  itemCount: number;
  purchaseCount: number;
}
interface ProductDetail {
  id: string;
  name: string;
  prices: Array<{ storeSlug: string; priceCents: number }>;
  cheapestStore: string | null;
}
interface Alert {
  id: string;
  kind: string;
  title: string;
  productId: string | null;
}
interface Order {
  id: string;
  status: string;
  totalCents: number;
  itemCount: number;
  items: Array<{ productId: string; quantity: number; unitPriceCents: number }>;
}

let admin: Session;
let shopper: Account;
let neighbour: Account;
let events: EventStream;
/** Product id per GTIN, as price-watch matched the shopper's receipt lines. */
const productIds = new Map<string, string>();
let locationId: string;
let deviceKey: string;
let order: Order;

const productOf = (item: GroceryItem) => productIds.get(item.gtin) as string;

beforeAll(async () => {
  admin = await eventually('the bootstrapped admin can log in', () => gateway.loginAdmin(platform.admin));
  for (const store of stores) {
    await gateway.post(
      '/stores',
      { slug: store.slug, name: store.name, ingestionMethods: ['json'] },
      { token: admin.token, expect: 201 },
    );
  }
  shopper = await registerAccount(gateway, 'journey-shopper');
  neighbour = await registerAccount(gateway, 'journey-neighbour');
  // Open before anything happens: the stream delivers what happens while it is open.
  events = await EventStream.open(platform.url, shopper.token);
});

afterAll(() => events?.close());

describe('a shopper’s journey through CartWatch', () => {
  it('1. imports five months of receipts from three stores in one batch', async () => {
    const { body } = await gateway.post<{ itemCount: number; purchases: Array<{ created: boolean }> }>(
      '/receipts/batch',
      { receipts },
      { token: shopper.token },
    );
    expect(body.purchases).toHaveLength(16);
    expect(body.purchases.every((purchase) => purchase.created)).toBe(true);
    expect(body.itemCount).toBe(receipts.reduce((sum, receipt) => sum + receipt.items.length, 0));
    // The neighbour shops at the value store too (milk and pasta), so their data exists in every service.
    await gateway.post(
      '/receipts',
      {
        storeSlug: valueMart.slug,
        purchasedAt: new Date(Date.now() - 3 * DAY_MS).toISOString(),
        currency: 'USD',
        items: [receiptLine(milk, 139, 2), receiptLine(pasta, 179, 1)],
      },
      { token: neighbour.token, expect: 201 },
    );
    // Re-importing is idempotent (the retailer receipt ids).
    const again = await gateway.post<{ purchases: Array<{ created: boolean }> }>(
      '/receipts/batch',
      { receipts: receipts.slice(0, 3) },
      { token: shopper.token },
    );
    expect(again.body.purchases.map((purchase) => purchase.created)).toEqual([false, false, false]);
  });

  it('2. reads purchases and stats whose totals are the sums of the receipt lines', async () => {
    const { body } = await gateway.get<{ items: PurchaseSummary[] }>('/purchases?limit=100', {
      token: shopper.token,
    });
    expect(body.items).toHaveLength(receipts.length);
    const expectedTotals = receipts.map(receiptTotalCents).sort((a, b) => a - b);
    expect(body.items.map((purchase) => purchase.totalCents).sort((a, b) => a - b)).toEqual(expectedTotals);

    const stats = await gateway.get<{ groups: StatsGroup[] }>('/purchases/stats?groupBy=store', {
      token: shopper.token,
    });
    for (const store of stores) {
      const mine = receipts.filter((receipt) => receipt.storeSlug === store.slug);
      expect(stats.body.groups.find((group) => group.key === store.slug)).toMatchObject({
        spendCents: mine.reduce((sum, receipt) => sum + receiptTotalCents(receipt), 0),
        purchaseCount: mine.length,
        itemCount: mine.reduce((sum, receipt) => sum + receipt.items.length, 0),
      });
    }
    expect(stats.body.groups).toHaveLength(3);

    // Another shopper sees only their own purchase.
    const theirs = await gateway.get<{ items: PurchaseSummary[] }>('/purchases', { token: neighbour.token });
    expect(theirs.body.items.map((purchase) => purchase.totalCents)).toEqual([2 * 139 + 179]);

    // price-watch matches every line to a product (the GTINs), receipt-ingest records the match.
    const hike = body.items.find((purchase) => purchase.totalCents === coffeeAfter) as PurchaseSummary;
    const newest = history.at(-1) as Receipt;
    for (const purchase of [hike, ...body.items.filter((p) => p.storeSlug === newest.storeSlug)]) {
      const detail = await eventually(`purchase ${purchase.id} matched to products`, async () => {
        const { body: found } = await gateway.get<PurchaseDetail>(`/purchases/${purchase.id}`, {
          token: shopper.token,
        });
        return found.items.every((line) => line.productId !== null) ? found : undefined;
      });
      for (const line of detail.items) productIds.set(line.gtin as string, line.productId as string);
    }
    expect(productIds.size).toBe(6);
  });

  it('3. sees a product’s latest price at each store and compares the stores', async () => {
    const expectedLatest = (store: DemoStore, item: GroceryItem) =>
      store === corner && item === coffee
        ? coffeeAfter
        : (lineOf(lastAt(store), item)?.unitPriceCents as number);
    const product = await eventually('the coffee priced at three stores', async () => {
      const { body } = await gateway.get<ProductDetail>(`/products/${productOf(coffee)}`, {
        token: shopper.token,
      });
      return body.prices.length === 3 && body.prices.some((price) => price.priceCents === coffeeAfter)
        ? body
        : undefined;
    });
    expect(product.name).toBe(coffee.name);
    for (const store of stores) {
      expect(product.prices.find((price) => price.storeSlug === store.slug)?.priceCents).toBe(
        expectedLatest(store, coffee),
      );
    }
    expect(product.cheapestStore).toBe(valueMart.slug);

    const basket = [milk, coffee, pasta];
    const { body } = await gateway.get<{
      stores: Array<{ storeSlug: string; totalCents: number; pricedCount: number }>;
      cheapestCompleteStore: string | null;
    }>(`/prices/comparison?productIds=${basket.map(productOf).join(',')}`, { token: shopper.token });
    for (const store of stores) {
      expect(body.stores.find((entry) => entry.storeSlug === store.slug)).toMatchObject({
        pricedCount: 3,
        totalCents: basket.reduce((sum, item) => sum + expectedLatest(store, item), 0),
      });
    }
    expect(body.cheapestCompleteStore).toBe(valueMart.slug);
  });

  it('4. gets a price-increase and a shrinkflation alert on the SSE stream', async () => {
    const increase = await events.waitFor(
      'the coffee’s price-increase alert.created',
      (event) =>
        event.event === 'alert.created' &&
        event.data.data.kind === 'price-increase' &&
        event.data.data.productId === productOf(coffee),
      90_000,
    );
    expect(increase.data.data.userId).toBe(shopper.userId);
    const shrink = await events.waitFor(
      'the cereal’s shrinkflation alert.created',
      (event) =>
        event.event === 'alert.created' &&
        event.data.data.kind === 'shrinkflation' &&
        event.data.data.productId === productOf(cereal),
      90_000,
    );
    expect(shrink.data.data.userId).toBe(shopper.userId);

    const { body } = await gateway.get<{ items: Alert[] }>('/alerts?limit=100', { token: shopper.token });
    const hike = body.items.find((alert) => alert.id === increase.data.data.alertId);
    // +15 % on the last receipt before it; receipts of one batch may be matched out of order, and the rise is
    // measured against the store's latest price known at that moment (an earlier, lower one at most).
    const [, pct] = /went up (\d+)% at /.exec(hike?.title ?? '') ?? [];
    expect(hike?.title).toBe(`${coffee.name} went up ${pct}% at ${corner.slug}`);
    expect(Number(pct)).toBeGreaterThanOrEqual(15);
    expect(body.items.find((alert) => alert.id === shrink.data.data.alertId)?.title).toBe(
      `${cereal.name} shrank`,
    );
    // The neighbour never bought the coffee or the cereal.
    const theirs = await gateway.get<{ items: Alert[] }>('/alerts?limit=100', { token: neighbour.token });
    expect(
      theirs.body.items.filter((alert) =>
        [productOf(coffee), productOf(cereal)].includes(alert.productId ?? ''),
      ),
    ).toEqual([]);
  });

  it('5. sees a coupon for a product they bought among the relevant ones', async () => {
    const created = await gateway.post<{ id: string }>(
      '/coupons',
      {
        scope: { kind: 'product', productId: productOf(coffee) },
        type: 'percent',
        percentOff: 20,
        validFrom: new Date(Date.now() - DAY_MS).toISOString(),
        validTo: new Date(Date.now() + 30 * DAY_MS).toISOString(),
        title: `20% off ${coffee.name} (${suffix})`,
      },
      { token: admin.token, expect: 201 },
    );
    const relevant = await eventually('the coffee coupon among the relevant coupons', async () => {
      const { body } = await gateway.get<{
        items: Array<{ coupon: { id: string }; score: number; reasons: string[] }>;
      }>('/coupons/relevant?limit=100', { token: shopper.token });
      return body.items.find((entry) => entry.coupon.id === created.body.id && entry.score > 0);
    });
    expect(relevant.reasons.length).toBeGreaterThan(0);
  });

  it('6. optimizes a shopping list across the stores, the coupon applied', async () => {
    const list = [
      { item: milk, quantity: 2 },
      { item: coffee, quantity: 1 },
      { item: pasta, quantity: 3 },
    ];
    const plan = await eventually('an optimized plan on the latest prices', async () => {
      const { body } = await gateway.post<{
        totalCents: number;
        stores: Array<{
          storeSlug: string;
          totalCents: number;
          items: Array<{
            productId: string;
            quantity: number;
            unitPriceCents: number;
            shelfCents: number;
            lineCents: number;
            coupon: { discountCents: number } | null;
          }>;
        }>;
        unpricedItems: unknown[];
      }>(
        '/shopping/optimize',
        {
          items: list.map(({ item, quantity }) => ({ productId: productOf(item), quantity })),
          stores: stores.map((store) => store.slug),
          maxStores: 2,
        },
        { token: shopper.token },
      );
      const lines = body.stores.flatMap((store) => store.items);
      // Every line at the value store's latest price (the cheapest for each of them).
      const latest = lines.every(
        (line) =>
          line.unitPriceCents ===
          lineOf(
            lastAt(valueMart),
            list.find(({ item }) => productOf(item) === line.productId)?.item as GroceryItem,
          )?.unitPriceCents,
      );
      return lines.length === 3 && latest ? body : undefined;
    });
    expect(plan.unpricedItems).toEqual([]);
    expect(plan.stores.map((store) => store.storeSlug)).toEqual([valueMart.slug]);
    const [store] = plan.stores;
    for (const line of store?.items ?? []) expect(line.shelfCents).toBe(line.unitPriceCents * line.quantity);
    const coffeeLine = store?.items.find((line) => line.productId === productOf(coffee));
    expect(coffeeLine?.coupon?.discountCents).toBe(Math.floor(((coffeeLine?.shelfCents ?? 0) * 20) / 100));
    expect(coffeeLine?.lineCents).toBe(
      (coffeeLine?.shelfCents ?? 0) - (coffeeLine?.coupon?.discountCents ?? 0),
    );
    const sum = store?.items.reduce((total, line) => total + line.lineCents, 0);
    expect(store?.totalCents).toBe(sum);
    expect(plan.totalCents).toBe(sum);
  });

  it('7. pairs a smart cart, scans items, checks out and pays', async () => {
    const location = await gateway.post<{ id: string }>(
      '/catalog/locations',
      { storeSlug: valueMart.slug, name: 'Value Mart Main Street', currency: 'USD' },
      { token: admin.token, expect: 201 },
    );
    locationId = location.body.id;
    const imported = await gateway.post<{ created: number; items: Array<{ productId: string }> }>(
      '/catalog/import',
      {
        locationId,
        items: [milk, eggs, coffee, pasta, bananas].map((item) => ({
          gtin: item.gtin,
          name: item.name,
          brand: item.brand,
          priceCents: item.basePriceCents,
          onHand: 40,
        })),
      },
      { token: admin.token },
    );
    expect(imported.body.created).toBe(5);
    // The catalog resolves the GTINs to the products the receipts created.
    expect(imported.body.items.map((item) => item.productId)).toContain(productOf(coffee));

    const device = await gateway.post<{ key: { key: string } }>(
      '/devices',
      { locationId, name: `Cart ${suffix}` },
      { token: admin.token, expect: 201 },
    );
    deviceKey = device.body.key.key;
    const code = await gateway.post<{ code: string }>(
      '/device/pairing-code',
      {},
      { token: deviceKey, expect: 201 },
    );
    await gateway.post('/devices/pair', { code: code.body.code }, { token: shopper.token });
    await events.waitFor('device.paired', (event) => event.event === 'device.paired');

    for (const [index, { item, quantity }] of [
      { item: coffee, quantity: 1 },
      { item: milk, quantity: 2 },
      { item: bananas, quantity: 3 },
    ].entries()) {
      await gateway.post(
        '/device/scans',
        { scanId: `journey-${index}`, barcode: item.gtin, quantity, action: 'add' },
        { token: deviceKey },
      );
    }
    const cart = await gateway.get<{ itemCount: number; subtotalCents: number }>(
      `/cart?location=${locationId}`,
      {
        token: shopper.token,
      },
    );
    const expectedTotal = coffee.basePriceCents + 2 * milk.basePriceCents + 3 * bananas.basePriceCents;
    expect(cart.body).toMatchObject({ itemCount: 6, subtotalCents: expectedTotal });

    const placed = await gateway.post<Order>(
      '/orders',
      { locationId },
      { token: shopper.token, expect: 201, headers: { 'idempotency-key': `journey-${suffix}` } },
    );
    order = placed.body;
    expect(order).toMatchObject({ status: 'PENDING', totalCents: expectedTotal, itemCount: 6 });
    // Paying starts a payment; the (test) provider's confirmation, not the shopper, makes the order PAID.
    const started = await gateway.post<{ order: Order; clientSecret: string }>(
      `/orders/${order.id}/pay`,
      {},
      { token: shopper.token, expect: 202 },
    );
    expect(started.body.order.status).toBe('PENDING');
    const paid = await gateway.post<Order>(
      '/payments/test/confirm',
      { clientSecret: started.body.clientSecret },
      { token: shopper.token, expect: 200 },
    );
    expect(paid.body.status).toBe('PAID');
    // Checkout empties the cart.
    const after = await gateway.get<{ itemCount: number }>(`/cart?location=${locationId}`, {
      token: shopper.token,
    });
    expect(after.body.itemCount).toBe(0);
  });

  it('8. follows the order to DELIVERED on the stream as an admin ships and delivers it', async () => {
    for (const status of ['SHIPPED', 'DELIVERED']) {
      await gateway.call('PATCH', `/orders/${order.id}/status`, { token: admin.token, body: { status } });
    }
    const transitions: Array<[string, string]> = [
      ['PENDING', 'PAID'],
      ['PAID', 'SHIPPED'],
      ['SHIPPED', 'DELIVERED'],
    ];
    for (const [from, to] of transitions) {
      const event = await events.waitFor(
        `order.status-changed ${from} -> ${to}`,
        (candidate) =>
          candidate.event === 'order.status-changed' &&
          candidate.data.data.orderId === order.id &&
          candidate.data.data.to === to,
      );
      expect(event.data.data).toMatchObject({ userId: shopper.userId, from, to });
    }
    const { body } = await gateway.get<Order>(`/orders/${order.id}`, { token: shopper.token });
    expect(body.status).toBe('DELIVERED');
    // Another shopper cannot see it.
    await gateway.get(`/orders/${order.id}`, { token: neighbour.token, expect: 404 });
  });

  it('9. answers the public endpoints without a token', async () => {
    const trend = await gateway.get<{ productId: string; points: unknown[] }>(
      `/public/trends/${productOf(coffee)}?period=365d`,
    );
    expect(trend.body.productId).toBe(productOf(coffee));
    // Public series rest on shared prices (docs/price-watch.md, "Shared figures over time"): this one
    // shopper's two years of receipts are in none of it; the value store's own catalog price (step 7) is.
    expect(trend.body.points).toHaveLength(1);

    const comparison = await gateway.get<{ stores: Array<{ storeSlug: string }> }>(
      `/public/store-comparison?productIds=${productOf(milk)},${productOf(pasta)}`,
    );
    // Public prices rest on evidence (docs/price-watch.md, "Consensus prices"): the value store's own
    // catalog (imported in step 7) is shown; the other two stores' prices come from this one shopper's
    // receipts only, which stay theirs.
    const compared = comparison.body.stores.map((store) => store.storeSlug);
    expect(compared).toContain(valueMart.slug);
    expect(compared).not.toContain(corner.slug);
    expect(compared).not.toContain(stores[1]?.slug);

    // The CPI series ships with price-watch (a seed migration); the newest month is the default.
    const inflation = await gateway.get<{
      period: string;
      cpi: { value: number | null; previousYearValue: number | null; yoyPct: number | null };
    }>('/public/inflation');
    const { value, previousYearValue, yoyPct } = inflation.body.cpi;
    expect(value).not.toBeNull();
    expect(previousYearValue).not.toBeNull();
    expect(yoyPct).toBeCloseTo(((value as number) / (previousYearValue as number) - 1) * 100, 1);

    // The cereal's shrink rests on this one shopper's receipts: off the public list until an admin
    // confirms it from the moderation queue (docs/shrinkflation.md, "Independent evidence").
    const publicCereal = async (limit: number) => {
      const { body } = await gateway.get<{ items: Array<{ productId: string; storeSlug: string }> }>(
        `/public/shrinkflation?limit=${limit}`,
      );
      return body.items.find((item) => item.productId === productOf(cereal));
    };
    expect(await publicCereal(100)).toBeUndefined();
    const queue = await gateway.get<{
      items: Array<{ id: string; productId: string; contributors: number }>;
    }>('/shrinkflation/moderation?limit=100', { token: admin.token });
    const claim = queue.body.items.find((item) => item.productId === productOf(cereal));
    expect(claim?.contributors).toBe(1);
    await gateway.post(`/shrinkflation/${claim?.id}/confirm`, {}, { token: admin.token, expect: 200 });
    // Another query string: the gateway's public cache keeps the first answer a few seconds.
    const shrinkflation = await eventually('the confirmed cereal on the public shrinkflation list', () =>
      publicCereal(99),
    );
    expect(stores.map((store) => store.slug)).toContain(shrinkflation.storeSlug);

    // A user route still needs a token.
    await gateway.get('/purchases', { expect: 401 });
  });

  it('10. deleting the account removes the shopper’s data from every service, and only theirs', async () => {
    const hasRows = (counts: UserRowCount[], schema: string) =>
      counts.some((count) => count.table.startsWith(`${schema}.`) && count.rows > 0);
    // The neighbour's data has reached every service that keeps purchases (event-driven).
    const neighbourBefore = await eventually(
      'the neighbour’s rows in ingest, pricing and coupon',
      async () => {
        const counts = await userRowCounts(platform.databaseName, neighbour.userId);
        return ['identity', 'ingest', 'pricing', 'coupon'].every((schema) => hasRows(counts, schema))
          ? counts
          : undefined;
      },
    );
    const mine = await userRowCounts(platform.databaseName, shopper.userId);
    // shrinkflation keeps a user id only on observations reported by users (none here); it is still checked below.
    for (const schema of ['identity', 'ingest', 'pricing', 'coupon', 'orders', 'device']) {
      expect(hasRows(mine, schema), `the shopper has rows in ${schema}`).toBe(true);
    }

    await gateway.call('DELETE', '/auth/me', {
      token: shopper.token,
      body: { password: shopper.password },
      expect: 204,
    });
    await gateway.post('/auth/login', { email: shopper.email, password: shopper.password }, { expect: 401 });

    const left = await eventually(
      'every service purged the deleted shopper',
      async () => {
        const counts = await userRowCounts(platform.databaseName, shopper.userId);
        return counts.every((count) => count.rows === 0) ? counts : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(left.filter((count) => count.rows > 0)).toEqual([]);
    // Each service keeps the bare id as its tombstone, so a late event cannot bring the data back.
    expect(await tombstoneSchemas(platform.databaseName, shopper.userId)).toEqual(serviceSchemas);
    expect(await tombstoneSchemas(platform.databaseName, neighbour.userId)).toEqual([]);
    expect(await userRowCounts(platform.databaseName, neighbour.userId)).toEqual(neighbourBefore);
  });
});

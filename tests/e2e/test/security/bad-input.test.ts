/**
 * Issue #17 part 6 (services side), through the gateway: bad input gets a 400 in the error shape and
 * writes nothing. NUL (U+0000) in any string (Postgres text cannot hold it), forged or garbled list
 * cursors, amounts and sums beyond what a safe integer or a bigint holds, `purchasedAt` more than a day
 * ahead on every receipt import path; and a return line (negative `paidCents`) is recorded as a return
 * and passes price-watch without becoming a price or a dead letter.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../src/eventually.js';
import { type ApiResponse, GatewayClient, type Session } from '../../src/gateway-client.js';
import { randomGtin13 } from '../../src/gtin.js';
import { sharedPlatform } from '../../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);
const storeSlug = `bad-input-mart-${randomBytes(3).toString('hex')}`;
const storeDomain = `${storeSlug}.example.test`;
const forgedCursor = 'eyJpZCI6ImFiYyJ9'; // base64url of {"id":"abc"}
const garbledCursor = 'not%20a%20cursor';
const DAY_MS = 86_400_000;

let admin: Session;
let shopper: Session;
let locationId: string;

interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: { issues?: Array<{ path: string }> } };
}
interface PurchaseBody {
  id: string;
  totalCents: number;
  items: Array<{ name: string; paidCents: number; kind: string; productId: string | null }>;
}

/** The call must answer 400 VALIDATION_FAILED in the error shape, with an issue on `path` when given. */
async function expectValidationFailed(response: Promise<ApiResponse<unknown>>, path?: string) {
  const { body } = await response;
  const error = (body as ErrorBody).error;
  expect(error).toMatchObject({ code: 'VALIDATION_FAILED', requestId: expect.any(String) });
  if (path !== undefined) expect(error.details?.issues?.map((issue) => issue.path)).toContain(path);
}

const as = (session: Session) => ({ token: session.token, expect: 400 });

function receipt(overrides: Record<string, unknown> = {}, item: Record<string, unknown> = {}) {
  return {
    storeSlug,
    purchasedAt: new Date().toISOString(),
    currency: 'USD',
    items: [{ name: 'Oat Milk', unitPriceCents: 299, ...item }],
    ...overrides,
  };
}

async function purchaseCount(): Promise<number> {
  const { body } = await gateway.get<{ items: unknown[] }>('/purchases?limit=100', { token: shopper.token });
  return body.items.length;
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

beforeAll(async () => {
  admin = await eventually('the bootstrapped admin can log in', () => gateway.loginAdmin(platform.admin));
  shopper = await gateway.registerUser('bad-input-shopper');
  await gateway.post(
    '/stores',
    {
      slug: storeSlug,
      name: 'Bad Input Mart',
      website: `https://${storeDomain}`,
      ingestionMethods: ['json', 'csv', 'text', 'email'],
    },
    { token: admin.token, expect: 201 },
  );
  const location = await gateway.post<{ id: string }>(
    '/catalog/locations',
    { storeSlug, name: 'Bad Input Mart Central', currency: 'USD' },
    { token: admin.token, expect: 201 },
  );
  locationId = location.body.id;
});

describe('NUL characters', () => {
  it('refuses NUL in a query parameter of every service with 400', async () => {
    await expectValidationFailed(gateway.get('/shrinkflation?store=a%00b', as(shopper)), 'store');
    await expectValidationFailed(gateway.get('/products?q=milk%00', as(shopper)), 'q');
    await expectValidationFailed(gateway.get(`/catalog?location=${locationId}&q=a%00b`, as(shopper)), 'q');
    await expectValidationFailed(gateway.get('/purchases?text=a%00b', as(shopper)), 'text');
    await expectValidationFailed(gateway.get('/coupons?category=a%00b', as(shopper)), 'category');
    await expectValidationFailed(gateway.get('/devices?cursor=%00', as(admin)), 'cursor');
  });

  it('refuses NUL in a JSON body of every service, the gateway’s own routes included, and writes nothing', async () => {
    const before = (await gateway.get<{ items: unknown[] }>('/shopping/lists', { token: shopper.token }))
      .body;
    await expectValidationFailed(gateway.post('/shopping/lists', { name: 'a\u0000b' }, as(shopper)), 'name');
    const after = (await gateway.get<{ items: unknown[] }>('/shopping/lists', { token: shopper.token })).body;
    expect(after.items).toHaveLength(before.items.length);

    await expectValidationFailed(
      gateway.post('/receipts', receipt({}, { name: 'Oat\u0000Milk' }), as(shopper)),
      'items.0.name',
    );
    await expectValidationFailed(
      gateway.post(
        '/catalog/items',
        { locationId, gtin: randomGtin13(), name: 'a\u0000b', priceCents: 100 },
        as(admin),
      ),
      'name',
    );
    await expectValidationFailed(
      gateway.post('/devices', { locationId, name: 'Cart\u0000' }, as(admin)),
      'name',
    );
    await expectValidationFailed(
      gateway.post(
        '/watches',
        { url: 'https://shop.example.test/p\u0000', targetPriceCents: 100 },
        as(shopper),
      ),
      'url',
    );
    await expectValidationFailed(
      gateway.post(
        '/auth/register',
        {
          email: `nul-${randomBytes(4).toString('hex')}@example.test`,
          password: randomBytes(18).toString('base64url'),
          displayName: 'a\u0000b',
        },
        { expect: 400 },
      ),
      'displayName',
    );
    // A NUL in a key is refused like one in a value.
    await expectValidationFailed(gateway.post('/shopping/lists', { 'na\u0000me': 'x' }, as(shopper)));
  });

  it('refuses NUL in the text and CSV receipt imports', async () => {
    const count = await purchaseCount();
    await expectValidationFailed(
      gateway.post('/receipts/text', { storeSlug, text: 'OAT MILK  2.99\u0000\nTOTAL 2.99' }, as(shopper)),
      'text',
    );
    const csv = await fetch(`${platform.url}/receipts/csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${shopper.token}`, 'content-type': 'text/csv' },
      body: `store,purchased_at,name,unit_price\n${storeSlug},${new Date().toISOString()},Oat\u0000Milk,2.99\n`,
    });
    expect(csv.status).toBe(400);
    expect(((await csv.json()) as ErrorBody).error.code).toBe('VALIDATION_FAILED');
    expect(await purchaseCount()).toBe(count);
  });
});

describe('list cursors', () => {
  const lists = (): Array<[string, Session]> => [
    ['/orders', shopper],
    [`/catalog?location=${locationId}`, shopper],
    ['/catalog/locations', shopper],
    ['/coupons', shopper],
    ['/coupons/relevant', shopper],
    ['/shopping/lists', shopper],
    ['/purchases', shopper],
    ['/stores', shopper],
    [`/stores/${storeSlug}/locations`, shopper],
    ['/products', shopper],
    ['/prices/increases?since=2026-01-01', shopper],
    ['/watches', shopper],
    ['/alerts', shopper],
    ['/shrinkflation', shopper],
    ['/public/shrinkflation', shopper],
    ['/devices', admin],
  ];

  it.each([
    ['a forged cursor', forgedCursor],
    ['a garbled cursor', garbledCursor],
  ])('answers 400 on cursor for %s on every list', async (_what, cursor) => {
    for (const [path, session] of lists()) {
      const separator = path.includes('?') ? '&' : '?';
      const response = await gateway.get<ErrorBody>(`${path}${separator}cursor=${cursor}`, {
        token: session.token,
        expect: 400,
      });
      expect({ path, code: response.body.error.code }).toEqual({ path, code: 'VALIDATION_FAILED' });
      expect(response.body.error.details?.issues?.map((issue) => issue.path)).toEqual(['cursor']);
    }
  });

  it('still follows the cursors it hands out', async () => {
    for (let i = 0; i < 3; i++) {
      await gateway.post(
        '/shopping/lists',
        { name: `Page test ${i}` },
        { token: shopper.token, expect: 201 },
      );
    }
    const first = await gateway.get<{ items: Array<{ id: string }>; nextCursor: string | null }>(
      '/shopping/lists?limit=2',
      { token: shopper.token },
    );
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await gateway.get<{ items: Array<{ id: string }> }>(
      `/shopping/lists?limit=2&cursor=${first.body.nextCursor}`,
      { token: shopper.token },
    );
    expect(second.body.items.length).toBeGreaterThan(0);
    const firstIds = first.body.items.map((item) => item.id);
    expect(second.body.items.some((item) => firstIds.includes(item.id))).toBe(false);
  });
});

describe('amounts and sums', () => {
  const huge = 2 ** 52; // a safe integer; three of them are not

  it('refuses receipt amounts whose line or sum leaves the safe range, and writes nothing', async () => {
    const count = await purchaseCount();
    await expectValidationFailed(
      gateway.post('/receipts', receipt({}, { unitPriceCents: huge, quantity: 3 }), as(shopper)),
      'items.0.unitPriceCents',
    );
    await expectValidationFailed(
      gateway.post(
        '/receipts',
        receipt({
          items: [
            { name: 'Gold bar', unitPriceCents: 1, paidCents: huge },
            { name: 'Gold bar', unitPriceCents: 1, paidCents: huge },
          ],
        }),
        as(shopper),
      ),
      'items.0.paidCents',
    );
    // Each amount in range, but quantity x price is not: the computed line is checked too.
    await expectValidationFailed(
      gateway.post('/receipts', receipt({}, { unitPriceCents: 1_000_000_000, quantity: 1000 }), as(shopper)),
      'items.0.paidCents',
    );
    await expectValidationFailed(
      gateway.post('/receipts', receipt({ totalCents: -huge }), as(shopper)),
      'totalCents',
    );
    expect(await purchaseCount()).toBe(count);
  });

  it('refuses out-of-range prices and amounts in orders, coupons and watches', async () => {
    await expectValidationFailed(
      gateway.post(
        '/catalog/items',
        { locationId, gtin: randomGtin13(), name: 'Diamond', priceCents: huge },
        as(admin),
      ),
      'priceCents',
    );
    await expectValidationFailed(
      gateway.post(
        '/coupons',
        {
          title: 'Too generous',
          type: 'fixed',
          amountOffCents: Number.MAX_SAFE_INTEGER,
          scope: { kind: 'brand', brand: 'Bubbl' },
          validFrom: new Date().toISOString(),
          validTo: new Date(Date.now() + DAY_MS).toISOString(),
        },
        as(admin),
      ),
      'amountOffCents',
    );
    await expectValidationFailed(
      gateway.post(
        '/watches',
        { url: 'https://shop.example.test/p/1', targetPriceCents: Number.MAX_SAFE_INTEGER },
        as(shopper),
      ),
      'targetPriceCents',
    );
  });
});

describe('purchasedAt in the future', () => {
  const inTwoDays = () => new Date(Date.now() + 2 * DAY_MS);

  it('refuses it on the JSON, batch, CSV and text imports and accepts a few hours ahead', async () => {
    const count = await purchaseCount();
    await expectValidationFailed(
      gateway.post('/receipts', receipt({ purchasedAt: inTwoDays().toISOString() }), as(shopper)),
      'purchasedAt',
    );
    await expectValidationFailed(
      gateway.post(
        '/receipts/batch',
        { receipts: [receipt(), receipt({ purchasedAt: inTwoDays().toISOString() })] },
        as(shopper),
      ),
      'receipts.1.purchasedAt',
    );
    const csv = await fetch(`${platform.url}/receipts/csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${shopper.token}`, 'content-type': 'text/csv' },
      body: `store,purchased_at,name,unit_price\n${storeSlug},${inTwoDays().toISOString()},Oat Milk,2.99\n`,
    });
    expect(csv.status).toBe(400);
    await expectValidationFailed(
      gateway.post(
        '/receipts/text',
        { storeSlug, purchasedAt: inTwoDays().toISOString(), text: 'OAT MILK  2.99\nTOTAL 2.99' },
        as(shopper),
      ),
      'purchasedAt',
    );
    // The date printed on a pasted receipt counts as well.
    await expectValidationFailed(
      gateway.post(
        '/receipts/text',
        { storeSlug, text: `${isoDay(new Date(Date.now() + 5 * DAY_MS))} 10:15\nOAT MILK  2.99\nTOTAL 2.99` },
        as(shopper),
      ),
      'purchasedAt',
    );
    expect(await purchaseCount()).toBe(count);

    const soon = new Date(Date.now() + 6 * 3_600_000).toISOString();
    await gateway.post('/receipts', receipt({ purchasedAt: soon }), { token: shopper.token, expect: 201 });
  });

  it('refuses it on the inbound e-mail import', async () => {
    const { body: inbound } = await gateway.get<{ address: string }>('/me/inbound-address', {
      token: shopper.token,
    });
    const count = await purchaseCount();
    const mail = {
      to: inbound.address,
      from: `receipts@${storeDomain}`,
      subject: 'Your receipt',
      text: `Bad Input Mart\n${isoDay(new Date(Date.now() + 5 * DAY_MS))} 10:15\nOAT MILK  2.99\nTOTAL 2.99`,
    };
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = `sha256=${createHmac('sha256', platform.inboundEmailSecret)
      .update(`${timestamp}.${JSON.stringify(mail)}`)
      .digest('hex')}`;
    await expectValidationFailed(
      gateway.post('/receipts/inbound-email', mail, {
        expect: 400,
        headers: { 'x-inbound-timestamp': timestamp, 'x-inbound-signature': signature },
      }),
      'purchasedAt',
    );
    expect(await purchaseCount()).toBe(count);
  });
});

describe('returns on a receipt', () => {
  it('records a negative line as a return that price-watch matches without observing a negative price', async () => {
    const gtin = randomGtin13();
    const imported = await gateway.post<{ purchase: PurchaseBody }>(
      '/receipts',
      receipt({
        items: [
          { name: 'Return Test Granola', gtin, quantity: 2, unitPriceCents: 450 },
          { name: 'Return Test Granola', gtin, quantity: 1, unitPriceCents: 450, paidCents: -450 },
        ],
      }),
      { token: shopper.token, expect: 201 },
    );
    const purchase = imported.body.purchase;
    expect(purchase.totalCents).toBe(450);
    expect(purchase.items.map((item) => [item.kind, item.paidCents])).toEqual([
      ['purchase', 900],
      ['return', -450],
    ]);

    // price-watch matched both lines (product.matched came back for each), so its handler committed:
    // a return that failed there would be retried and dead-lettered, and never matched.
    const matched = await eventually('both lines matched by price-watch', async () => {
      const { body } = await gateway.get<PurchaseBody>(`/purchases/${purchase.id}`, { token: shopper.token });
      return body.items.every((item) => item.productId !== null) ? body : undefined;
    });
    const productId = matched.items[0]?.productId as string;
    expect(matched.items[1]?.productId).toBe(productId);

    const product = await gateway.get<{ prices: Array<{ storeSlug: string; priceCents: number }> }>(
      `/products/${productId}`,
      { token: shopper.token },
    );
    expect(product.body.prices).toEqual([expect.objectContaining({ storeSlug, priceCents: 450 })]);
    const series = await gateway.get<{ points: Array<{ minCents: number; count: number }> }>(
      `/products/${productId}/prices`,
      { token: shopper.token },
    );
    expect(series.body.points).toEqual([expect.objectContaining({ minCents: 450, count: 1 })]);
  });
});

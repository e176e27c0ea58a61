/**
 * URL checks against local fixture pages, and price-watch's use of service-kit's SSRF-safe client (its
 * refusals are tested once, in packages/service-kit/test/safe-http.test.ts). Nothing here dials anything
 * but loopback: the resolver is injected, and the connector records every target and refuses non-loopback.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectTarget } from '@cartwatch/service-kit/safe-http';
import { serviceHeaders, TEST_SERVICE_KEY, testUser } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import type { FetchPolicy } from '../src/watches/safe-fetch.js';
import { createUrlChecker } from '../src/watches/url-check.js';
import { urlCheckerFromConfig } from '../src/watches/url-checker.factory.js';
import { recordingConnector, tableResolver } from './outbound-doubles.js';
import { createProduct, type PriceWatchHarness, startPriceWatch } from './support.js';

const pages: Record<string, string> = {
  '/jsonld': `<html><head><title>Shop</title><script type="application/ld+json">
    {"@context":"https://schema.org","@type":"Product","name":"Espresso Beans 1kg",
     "offers":{"@type":"Offer","price":"18.49","priceCurrency":"USD","availability":"https://schema.org/InStock"}}
    </script></head><body></body></html>`,
  '/microdata': `<html><body><div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Green Tea</span>
    <div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><meta itemprop="priceCurrency" content="EUR">
    <span itemprop="price" content="4.99">4,99 €</span><link itemprop="availability" href="https://schema.org/OutOfStock"></div></div></body></html>`,
  '/opengraph': `<html><head><meta property="og:title" content="Maple Syrup"><meta property="product:price:amount" content="12.00">
    <meta property="product:price:currency" content="CAD"><meta property="product:availability" content="in stock"></head></html>`,
  '/selector': `<html><head><title>Cheese</title></head><body><div class="price">$7.25</div><div class="old">$9.99</div></body></html>`,
  '/ambiguous': `<html><body><script type="application/ld+json">[{"@type":"Offer","price":"3.00","priceCurrency":"USD"},
    {"@type":"Offer","price":"4.50","priceCurrency":"USD"}]</script></body></html>`,
  '/euro': `<html><head><title>Kaffeemaschine</title></head><body><span class="preis">1.226,50 €</span></body></html>`,
};

let server: Server;
let origin: string;
const dialed: ConnectTarget[] = [];
const resolver = tableResolver({
  'shop.test': ['127.0.0.1'],
  'internal.example': ['10.0.0.5'],
  'mixed.example': ['93.184.216.34', '192.168.1.20'],
});

function policy(overrides: Partial<FetchPolicy> = {}): FetchPolicy {
  return {
    resolve: resolver,
    connect: recordingConnector(dialed),
    allowLoopback: false,
    maxBytes: 100_000,
    timeoutMs: 5_000,
    maxRedirects: 3,
    userAgent: 'cartwatch-test',
    ...overrides,
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/to-private') {
      res.writeHead(302, { location: 'http://10.0.0.1/admin' }).end();
    } else if (path === '/to-internal-name') {
      res.writeHead(301, { location: 'http://internal.example/' }).end();
    } else if (path === '/to-jsonld') {
      res.writeHead(302, { location: '/jsonld' }).end();
    } else if (path === '/big') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<html>${'x'.repeat(200_000)}</html>`);
    } else if (pages[path]) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pages[path]);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  dialed.length = 0;
});

describe('price extraction from fixture pages (loopback allowed by the test-only setting)', () => {
  const check = createUrlChecker(policy({ allowLoopback: true }));

  it('reads JSON-LD Product/Offer with availability', async () => {
    expect(await check(`${origin}/jsonld`, {})).toEqual({
      ok: true,
      method: 'json-ld',
      priceCents: 1849,
      currency: 'USD',
      available: true,
      title: 'Espresso Beans 1kg',
    });
  });

  it('reads microdata', async () => {
    expect(await check(`${origin}/microdata`, {})).toMatchObject({
      ok: true,
      method: 'microdata',
      priceCents: 499,
      currency: 'EUR',
      available: false,
    });
  });

  it('reads OpenGraph price tags', async () => {
    expect(await check(`${origin}/opengraph`, {})).toMatchObject({
      ok: true,
      method: 'opengraph',
      priceCents: 1200,
      currency: 'CAD',
      available: true,
    });
  });

  it('uses the watch’s CSS selector when there is no structured data', async () => {
    expect(await check(`${origin}/selector`, { cssSelector: '.price' })).toMatchObject({
      ok: true,
      method: 'selector',
      priceCents: 725,
      currency: 'USD',
    });
    expect(await check(`${origin}/selector`, {})).toMatchObject({ ok: false, code: 'NO_PRICE' });
  });

  it('refuses a page with several different prices', async () => {
    const result = await check(`${origin}/ambiguous`, {});
    expect(result).toMatchObject({ ok: false, code: 'AMBIGUOUS_PRICE' });
    expect(result.ok ? '' : result.message).toContain('2 different prices');
  });

  it('parses European number formats', async () => {
    expect(await check(`${origin}/euro`, { cssSelector: '.preis' })).toMatchObject({
      ok: true,
      priceCents: 122650,
      currency: 'EUR',
    });
  });

  it('follows a redirect to an allowed address and caps the page size', async () => {
    expect(await check(`${origin}/to-jsonld`, {})).toMatchObject({ ok: true, priceCents: 1849 });
    expect(await check(`${origin}/big`, {})).toMatchObject({ ok: false, code: 'TOO_LARGE' });
  });
});

describe('the loopback exceptions of URL checks (the refusals themselves: service-kit test/safe-http.test.ts)', () => {
  const check = createUrlChecker(policy());

  it("returns the safe client's refusal as the check's result, code and message unchanged, without dialing", async () => {
    expect(await check('http://mixed.example/', {})).toEqual({
      ok: false,
      code: 'BLOCKED_ADDRESS',
      message: 'refused to connect to non-public address 192.168.1.20 (mixed.example resolves to it)',
    });
    expect(await check('file:///etc/passwd', {})).toMatchObject({ ok: false, code: 'UNSUPPORTED_URL' });
    expect(dialed).toEqual([]);
  });

  it('lets loopback through only for an allowed origin (URL_CHECK_ALLOWED_ORIGINS), never for another port or a redirect elsewhere', async () => {
    const allowed = createUrlChecker(policy({ allowedLoopbackOrigins: new Set([origin]) }));
    expect(await allowed(`${origin}/jsonld`, {})).toMatchObject({ ok: true, priceCents: 1849 });
    const otherPort = new URL(origin);
    otherPort.port = String(Number(otherPort.port) + 1);
    const refused = await allowed(`${otherPort.origin}/jsonld`, {});
    expect(refused).toMatchObject({ ok: false, code: 'BLOCKED_ADDRESS' });
    expect(await allowed(`http://shop.test:${new URL(origin).port}/jsonld`, {})).toMatchObject({
      ok: false,
      code: 'BLOCKED_ADDRESS',
    });
    expect(await allowed(`${origin}/to-private`, {})).toMatchObject({ ok: false, code: 'BLOCKED_ADDRESS' });
    expect(dialed.map((target) => target.address)).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  it('refuses allowed loopback origins in production', () => {
    const config = (NODE_ENV: Config['NODE_ENV']) =>
      ({ NODE_ENV, URL_CHECK_ALLOWED_ORIGINS: ['http://127.0.0.1:8087'] }) as Config;
    expect(() => urlCheckerFromConfig(config('production'))).toThrow(/URL_CHECK_ALLOWED_ORIGINS/);
    expect(urlCheckerFromConfig(config('development'))).toBeTypeOf('function');
  });
});

describe('watch checks over HTTP', () => {
  let harness: PriceWatchHarness;
  const user = testUser();

  beforeAll(async () => {
    harness = await startPriceWatch('pw_urlcheck', { URL_CHECK_ALLOW_LOOPBACK: 'true' });
  });
  afterAll(() => harness.close());

  it('records every run with price, currency, availability or a clear error', async () => {
    const headers = serviceHeaders(TEST_SERVICE_KEY, user);
    const good = await request(harness.app)
      .post('/watches')
      .set(headers)
      .send({ url: `${origin}/jsonld`, targetPriceCents: 2000 })
      .expect(201);
    const run = await request(harness.app).post(`/watches/${good.body.id}/check`).set(headers).expect(200);
    expect(run.body).toMatchObject({
      priceCents: 1849,
      currency: 'USD',
      available: true,
      method: 'json-ld',
      errorCode: null,
    });
    const alerts = await request(harness.app).get('/alerts').set(headers).expect(200);
    expect(alerts.body.items).toEqual([
      expect.objectContaining({ kind: 'target-price', watchId: good.body.id }),
    ]);

    const blocked = await request(harness.app)
      .post('/watches')
      .set(headers)
      .send({ url: 'http://169.254.169.254/latest/meta-data/' })
      .expect(201);
    const refused = await request(harness.app)
      .post(`/watches/${blocked.body.id}/check`)
      .set(headers)
      .expect(200);
    expect(refused.body).toMatchObject({ priceCents: null, errorCode: 'BLOCKED_ADDRESS' });
    expect(refused.body.error).toContain('169.254.169.254');

    const runs = await request(harness.app).get(`/watches/${good.body.id}/runs`).set(headers).expect(200);
    expect(runs.body.items).toHaveLength(1);
    await request(harness.app)
      .get(`/watches/${good.body.id}/runs`)
      .set(serviceHeaders(TEST_SERVICE_KEY, testUser()))
      .expect(404);
    await request(harness.app)
      .post(`/watches/${good.body.id}/check`)
      .set(serviceHeaders(TEST_SERVICE_KEY, testUser()))
      .expect(404);
  });

  it('refuses render: true when rendering is off here, and render on a product watch', async () => {
    const headers = serviceHeaders(TEST_SERVICE_KEY, user);
    const refused = await request(harness.app)
      .post('/watches')
      .set(headers)
      .send({ url: `${origin}/jsonld`, render: true })
      .expect(422);
    expect(refused.body.error.message).toContain('URL_RENDER_ENABLED');
    const watch = await request(harness.app)
      .post('/watches')
      .set(headers)
      .send({ url: `${origin}/jsonld` })
      .expect(201);
    await request(harness.app)
      .patch(`/watches/${watch.body.id}`)
      .set(headers)
      .send({ render: true })
      .expect(422);
    const invalid = await request(harness.app)
      .post('/watches')
      .set(headers)
      .send({ productId: '01900000-0000-7000-8000-0000000000ff', render: true })
      .expect(400);
    expect(invalid.body.error.details.issues.map((issue: { path: string }) => issue.path)).toContain(
      'render',
    );
  });

  it('refuses to check a product watch', async () => {
    const headers = serviceHeaders(TEST_SERVICE_KEY, user);
    await createProduct(harness.database, { id: '01900000-0000-7000-8000-000000000001' });
    const created = await request(harness.app)
      .post('/watches')
      .set(headers)
      .send({ productId: '01900000-0000-7000-8000-000000000001' })
      .expect(201);
    const response = await request(harness.app)
      .post(`/watches/${created.body.id}/check`)
      .set(headers)
      .expect(422);
    expect(response.body.error.code).toBe('UNPROCESSABLE');
  });
});

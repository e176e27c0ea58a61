/**
 * Rendered URL checks in Debian Chromium against local fixture pages whose price is inserted by script.
 * Nothing here dials anything but loopback: the resolver is injected (evil.test -> 10.0.0.1), the
 * connector records every target and refuses non-loopback, and Chromium itself only reaches our sink.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectTarget } from '@cartwatch/service-kit/safe-http';
import { serviceHeaders, TEST_SERVICE_KEY, testUser } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RenderPolicy } from '../src/watches/page-renderer.js';
import type { FetchPolicy } from '../src/watches/safe-fetch.js';
import { createUrlChecker } from '../src/watches/url-check.js';
import { recordingConnector, tableResolver } from './outbound-doubles.js';
import { type PriceWatchHarness, startPriceWatch } from './support.js';

const CHROMIUM = process.env.URL_RENDER_CHROMIUM_PATH ?? '/usr/bin/chromium';

// The price exists only after /app.js ran: as JSON-LD and as the text of .price.
const scriptPage = `<html><head><title>Oat Milk</title></head><body>
  <span class="price"></span><script src="/app.js"></script></body></html>`;
const appJs = `document.querySelector('.price').textContent = '$3.79';
  const ld = document.createElement('script');
  ld.type = 'application/ld+json';
  ld.textContent = JSON.stringify({ '@type': 'Product', name: 'Oat Milk',
    offers: { '@type': 'Offer', price: '3.79', priceCurrency: 'USD' } });
  document.head.appendChild(ld);`;
// Tries a script from a name resolving to a private address, a fetch to a private address literal and
// a WebSocket (never intercepted by page.route, so only the sink proxy can see it).
const hostilePage = `<html><head><title>Oat Milk</title>
  <script src="http://evil.test/track.js"></script></head><body><span class="price"></span>
  <script src="/app.js"></script>
  <script>fetch('http://10.0.0.1/steal').catch(() => {});
    try { new WebSocket('ws://evil.test/socket'); } catch (e) {}</script></body></html>`;

let server: Server;
let origin: string;
const dialed: ConnectTarget[] = [];
const served: string[] = [];

const fetchPolicy: FetchPolicy = {
  resolve: tableResolver({ 'shop.test': ['127.0.0.1'], 'evil.test': ['10.0.0.1'] }),
  connect: recordingConnector(dialed),
  allowLoopback: true,
  maxBytes: 200_000,
  timeoutMs: 5_000,
  maxRedirects: 3,
  userAgent: 'cartwatch-test',
};
const renderPolicy: RenderPolicy = { chromiumPath: CHROMIUM, timeoutMs: 30_000, maxRequests: 20 };

beforeAll(async () => {
  await access(CHROMIUM, constants.X_OK).catch(() => {
    throw new Error(`Chromium is required for the rendering tests and was not found at ${CHROMIUM}`);
  });
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    served.push(path);
    if (path === '/script-price') res.writeHead(200, { 'content-type': 'text/html' }).end(scriptPage);
    else if (path === '/hostile') res.writeHead(200, { 'content-type': 'text/html' }).end(hostilePage);
    else if (path === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(appJs);
    else if (path === '/to-script-price') res.writeHead(302, { location: '/script-price' }).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});
beforeEach(() => {
  dialed.length = 0;
  served.length = 0;
});

describe('rendered URL checks (loopback fixtures through the test-only setting)', () => {
  const check = createUrlChecker(fetchPolicy, { ...renderPolicy, concurrency: 1 });

  it('finds a price that only a script puts on the page, every request through the safe fetcher', async () => {
    const result = await check(`${origin}/to-script-price`, { render: true });
    expect(result).toMatchObject({
      ok: true,
      method: 'json-ld',
      priceCents: 379,
      currency: 'USD',
      title: 'Oat Milk',
    });
    // The redirect, the page and its script were fetched by our connector, to the checked address only.
    expect(served).toEqual(['/to-script-price', '/script-price', '/app.js']);
    expect(dialed.map((target) => target.address)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
  });

  it('finds no price on the same page without rendering', async () => {
    const result = await check(`${origin}/script-price`, {});
    expect(result).toMatchObject({ ok: false, code: 'NO_PRICE' });
    expect(served).toEqual(['/script-price']);
  });

  it('refuses and records the page’s requests to private addresses without dialing them', async () => {
    const result = await check(`${origin}/hostile`, { render: true });
    expect(result).toMatchObject({ ok: true, priceCents: 379 });
    expect(result.blockedRequests).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ url: 'http://evil.test/track.js', code: 'BLOCKED_ADDRESS' }),
        expect.objectContaining({ url: 'http://10.0.0.1/steal', code: 'BLOCKED_ADDRESS' }),
        expect.objectContaining({ url: 'CONNECT evil.test:80', code: 'DIRECT_CONNECTION' }),
      ]),
    );
    const track = result.blockedRequests?.find((entry) => entry.url === 'http://evil.test/track.js');
    expect(track?.message).toContain('10.0.0.1');
    expect(dialed.map((target) => target.address)).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  it('never starts a browser for a page whose own address is refused', async () => {
    const result = await check('http://evil.test/product', { render: true });
    expect(result).toMatchObject({ ok: false, code: 'BLOCKED_ADDRESS', blockedRequests: [] });
    expect(dialed).toEqual([]);
  });

  it('reports a missing browser as a clear run error', async () => {
    const broken = createUrlChecker(fetchPolicy, {
      ...renderPolicy,
      chromiumPath: '/nonexistent/chromium',
      concurrency: 1,
    });
    const result = await broken(`${origin}/script-price`, { render: true });
    expect(result).toMatchObject({ ok: false, code: 'RENDER_FAILED' });
    expect(result.ok ? '' : result.message).toContain('/nonexistent/chromium');
  });

  it('refuses to render when rendering is not enabled', async () => {
    const plain = createUrlChecker(fetchPolicy);
    expect(await plain(`${origin}/script-price`, { render: true })).toMatchObject({
      ok: false,
      code: 'RENDER_DISABLED',
    });
    expect(served).toEqual([]);
  });
});

describe('rendered watches over HTTP', () => {
  let harness: PriceWatchHarness;
  const user = testUser();
  const headers = serviceHeaders(TEST_SERVICE_KEY, user);

  beforeAll(async () => {
    harness = await startPriceWatch('pw_render', {
      URL_CHECK_ALLOW_LOOPBACK: 'true',
      URL_RENDER_ENABLED: 'true',
      URL_RENDER_CHROMIUM_PATH: CHROMIUM,
    });
  });
  afterAll(() => harness?.close());

  it('renders a watch that asks for it, and a watch without render gets a clear NO_PRICE run', async () => {
    const rendered = await request(harness.app)
      .post('/watches')
      .set(headers)
      .send({ url: `${origin}/script-price`, render: true })
      .expect(201);
    expect(rendered.body.render).toBe(true);
    const run = await request(harness.app)
      .post(`/watches/${rendered.body.id}/check`)
      .set(headers)
      .expect(200);
    expect(run.body).toMatchObject({
      priceCents: 379,
      currency: 'USD',
      errorCode: null,
      blockedRequests: [],
    });

    const plain = await request(harness.app)
      .post('/watches')
      .set(headers)
      .send({ url: `${origin}/script-price` })
      .expect(201);
    expect(plain.body.render).toBe(false);
    const failed = await request(harness.app)
      .post(`/watches/${plain.body.id}/check`)
      .set(headers)
      .expect(200);
    expect(failed.body).toMatchObject({ priceCents: null, errorCode: 'NO_PRICE', blockedRequests: null });
    expect(failed.body.error).toEqual(expect.any(String));

    // Switching rendering on later makes the same watch find the price.
    await request(harness.app)
      .patch(`/watches/${plain.body.id}`)
      .set(headers)
      .send({ render: true })
      .expect(200);
    const again = await request(harness.app).post(`/watches/${plain.body.id}/check`).set(headers).expect(200);
    expect(again.body).toMatchObject({ priceCents: 379, errorCode: null });
  });
});

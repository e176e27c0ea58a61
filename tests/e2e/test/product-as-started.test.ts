/**
 * Issue #18, "as shipped, as tested": the product as `pnpm start` runs it (the shared platform has the
 * environment of `localProductEnv`, the local mail catcher and the demo store), used as a person would,
 * with no manual triggers:
 *
 * - registering sends the verification code to the local inbox (read through the catcher's API);
 * - a URL watch on a page served here on loopback (the platform's fixtureOrigin) is checked by the
 *   scheduler, and once the page's price falls below the target, the alert arrives by e-mail (in the
 *   inbox) and by web push (decrypted at a loopback push endpoint);
 * - connecting the demo store's account brings its orders into purchases through the sync scheduler.
 */
import http from 'node:http';
import { DEMO_STORE_SLUG, demoStoreOrders, ensureDemoStoreRetailer } from '@cartwatch/local-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../src/eventually.js';
import { GatewayClient } from '../src/gateway-client.js';
import { readMailbox, waitForCode } from '../src/mailbox.js';
import { type PushEndpoint, startPushEndpoint } from '../src/push-endpoint.js';
import { sharedPlatform } from '../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);

/** The product page a shopper watches; its price is what the test changes. */
let priceCents = 1299;
const pageRequests: string[] = [];
const shop = http.createServer((req, res) => {
  pageRequests.push(req.url ?? '');
  if (req.url !== '/products/espresso') {
    res.writeHead(404).end();
    return;
  }
  const offer = { '@type': 'Offer', price: (priceCents / 100).toFixed(2), priceCurrency: 'USD' };
  res
    .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    .end(
      `<!doctype html><html><head><title>Espresso Beans 1kg</title><script type="application/ld+json">${JSON.stringify(
        { '@context': 'https://schema.org', '@type': 'Product', name: 'Espresso Beans 1kg', offers: offer },
      )}</script></head><body><h1>Espresso Beans 1kg</h1></body></html>`,
    );
});
let push: PushEndpoint;

beforeAll(async () => {
  const { port, hostname } = new URL(platform.fixtureOrigin);
  await new Promise<void>((resolve) => shop.listen(Number(port), hostname, resolve));
  push = await startPushEndpoint();
});

afterAll(async () => {
  shop.closeAllConnections();
  await new Promise((resolve) => shop.close(resolve));
  await push?.close();
});

describe('the product as pnpm start runs it', () => {
  it('mails the verification code of a new account to the local inbox', async () => {
    const shopper = await gateway.registerUser('inboxed');
    const code = await waitForCode(platform.mailCatcherUrl, shopper.email);
    const [mail] = await readMailbox(platform.mailCatcherUrl, shopper.email);
    expect(mail).toMatchObject({ channel: 'email', to: [shopper.email] });
    expect(mail?.subject).toMatch(/^CartWatch code: /);
    await gateway.post('/auth/verify-email', { code }, { token: shopper.token, expect: 200 });
    // Nobody else got it.
    const others = (await readMailbox(platform.mailCatcherUrl)).filter(
      (message) => message.text.includes(code) && !message.to.includes(shopper.email),
    );
    expect(others).toEqual([]);
  });

  it('checks a URL watch on schedule and sends the price alert by e-mail and web push', async () => {
    const shopper = await gateway.registerUser('watcher');
    await gateway.post('/me/push-subscriptions', push.subscription, { token: shopper.token, expect: 201 });
    await gateway.put(
      '/me/notifications',
      { email: true, webhookUrl: null, push: true },
      { token: shopper.token, expect: 200 },
    );
    const url = `${platform.fixtureOrigin}/products/espresso`;
    const { body: watch } = await gateway.post<{ id: string }>(
      '/watches',
      { url, targetPriceCents: 999 },
      { token: shopper.token, expect: 201 },
    );
    const runs = async () =>
      (
        await gateway.get<{ items: Array<{ priceCents: number | null; errorCode: string | null }> }>(
          `/watches/${watch.id}/runs`,
          { token: shopper.token },
        )
      ).body.items;
    // The scheduler checks it by itself: no `POST /watches/{id}/check` here.
    const [first] = await eventually('the first scheduled check', async () => {
      const done = await runs();
      return done.length > 0 ? done : undefined;
    });
    expect(first).toMatchObject({ priceCents: 1299, errorCode: null });
    expect(await readMailbox(platform.mailCatcherUrl, shopper.email)).toEqual([
      expect.objectContaining({ subject: expect.stringMatching(/^CartWatch code: /) }),
    ]);

    priceCents = 899;
    const [alertMail] = await eventually('the price alert in the inbox', async () => {
      const mails = (await readMailbox(platform.mailCatcherUrl, shopper.email)).filter(
        (mail) => !mail.subject?.startsWith('CartWatch code: '),
      );
      return mails.length > 0 ? mails : undefined;
    });
    expect(alertMail?.subject).toMatch(/^CartWatch: .*Espresso Beans 1kg/);
    expect(alertMail?.text).toContain('8.99');
    expect((await runs()).some((run) => run.priceCents === 899)).toBe(true);
    const [pushed] = await eventually('the price alert pushed', async () => {
      const payloads = push.payloads();
      return payloads.length > 0 ? payloads : undefined;
    });
    expect(pushed).toMatchObject({
      title: alertMail?.subject?.replace(/^CartWatch: /, ''),
      // A URL watch's alert opens the watched page.
      url,
    });
    expect(pageRequests.filter((path) => path === '/products/espresso').length).toBeGreaterThanOrEqual(2);
  });

  it('brings the demo store orders into purchases once the account is connected, without a manual sync', async () => {
    await ensureDemoStoreRetailer(platform.url, platform.admin, platform.demoStore.url);
    const shopper = await gateway.registerUser('demo-store');
    const other = await gateway.registerUser('no-store');
    await gateway.post(
      `/me/stores/${DEMO_STORE_SLUG}/connect`,
      { username: platform.demoStore.username, password: platform.demoStore.password },
      { token: shopper.token },
    );
    const purchases = async (token: string) =>
      (
        await gateway.get<{
          items: Array<{ storeSlug: string; source: string; retailerReceiptId: string | null }>;
        }>('/purchases?limit=100', { token })
      ).body.items;
    const synced = await eventually(
      'the demo store orders in purchases',
      async () => {
        const items = await purchases(shopper.token);
        return items.length >= demoStoreOrders.length ? items : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(synced.map((purchase) => purchase.retailerReceiptId).sort()).toEqual(
      demoStoreOrders.map((order) => order.id).sort(),
    );
    expect(new Set(synced.map((purchase) => `${purchase.storeSlug}/${purchase.source}`))).toEqual(
      new Set([`${DEMO_STORE_SLUG}/sync`]),
    );
    expect(await purchases(other.token)).toEqual([]);
  });
});

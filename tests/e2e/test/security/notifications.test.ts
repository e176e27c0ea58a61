/**
 * Issue #18, notifications delivered after commit, through the gateway on the shared platform: a price
 * alert (a product watch reaching its target price) reaches each user's channels from the gateway's
 * delivery worker. A webhook answering 500 then 200 is delivered exactly once and the e-mail once; a
 * webhook that does not answer delays no other user's e-mail; a web push reaches a loopback push
 * endpoint that decrypts it with the browser keys this test made; each user lists only their deliveries.
 * The platform lets webhooks and push endpoints be loopback receivers (DELIVERY_ALLOW_LOOPBACK_TARGETS,
 * a test-only setting).
 */
import { createECDH, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decrypt } from 'http_ece';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../src/eventually.js';
import { GatewayClient, type Session } from '../../src/gateway-client.js';
import { randomGtin13 } from '../../src/gtin.js';
import { readMailbox } from '../../src/mailbox.js';
import { sharedPlatform } from '../../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);
const storeSlug = `notify-mart-${randomBytes(3).toString('hex')}`;

interface Received {
  path: string;
  idempotencyKey: string | undefined;
  status: number | 'held';
  body: Buffer;
}

interface Delivery {
  id: string;
  kind: string;
  channel: string;
  title: string;
  status: string;
  attempts: number;
  lastError: string | null;
}

/** Webhook and push receiver on loopback: scripted statuses per path (then 201), or held answers. */
const received: Received[] = [];
const scripts = new Map<string, number[]>();
const holding = new Set<string>();
const held: http.ServerResponse[] = [];
const receiver = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const path = req.url ?? '';
    const entry = {
      path,
      idempotencyKey: req.headers['idempotency-key'] as string | undefined,
      body: Buffer.concat(chunks),
    };
    if (holding.has(path)) {
      received.push({ ...entry, status: 'held' });
      held.push(res);
      return;
    }
    const status = scripts.get(path)?.shift() ?? 201;
    received.push({ ...entry, status });
    res.writeHead(status).end();
  });
});
let receiverUrl: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const admin = await eventually('the bootstrapped admin can log in', () =>
    gateway.loginAdmin(platform.admin),
  );
  await gateway.post(
    '/stores',
    { slug: storeSlug, name: 'Notify Mart', ingestionMethods: ['json'] },
    { token: admin.token, expect: 201 },
  );
});

afterAll(async () => {
  for (const res of held.splice(0)) res.destroy();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

/** A product of the shopper's own at $4.99, watched with a $3.00 target; `alert()` sells it at $2.50. */
async function watchedProduct(shopper: Session, name: string) {
  const gtin = randomGtin13();
  const item = (cents: number) => ({
    name,
    brand: `${name} Co ${gtin}`,
    gtin,
    unitPriceCents: cents,
    size: { value: Number(gtin.slice(-3)) + 1, unit: 'g' },
  });
  const receipt = (cents: number, daysAgo: number) => ({
    storeSlug,
    purchasedAt: new Date(Date.now() - daysAgo * 86_400_000).toISOString(),
    currency: 'USD',
    items: [item(cents)],
  });
  const first = await gateway.post<{ purchase: { id: string } }>('/receipts', receipt(499, 2), {
    token: shopper.token,
    expect: 201,
  });
  const productId = await eventually(`${name} matched to a product`, async () => {
    const { body } = await gateway.get<{ items: Array<{ productId: string | null }> }>(
      `/purchases/${first.body.purchase.id}`,
      { token: shopper.token },
    );
    return body.items[0]?.productId ?? undefined;
  });
  await gateway.post('/watches', { productId, targetPriceCents: 300 }, { token: shopper.token, expect: 201 });
  return {
    async alert() {
      await gateway.post('/receipts', receipt(250, 1), { token: shopper.token, expect: 201 });
    },
    title: `${name} is at your target price`,
  };
}

async function deliveriesOf(shopper: Session): Promise<Delivery[]> {
  const { body } = await gateway.get<{ items: Delivery[] }>('/me/notifications/deliveries?limit=100', {
    token: shopper.token,
  });
  return body.items;
}

async function alertMails(to: string, title: string) {
  return (await readMailbox(platform.mailCatcherUrl, to)).filter(
    (entry) => entry.subject === `CartWatch: ${title}`,
  );
}

describe('alert notifications after commit', () => {
  it('delivers a webhook that answers 500 then 200 exactly once, and e-mails the alert once', async () => {
    const alice = await gateway.registerUser('hooked');
    scripts.set('/alice', [500, 200]);
    await gateway.put(
      '/me/notifications',
      { email: true, webhookUrl: `${receiverUrl}/alice` },
      { token: alice.token, expect: 200 },
    );
    const product = await watchedProduct(alice, 'Hooked Butter');
    await product.alert();
    const sent = await eventually('the alert sent by e-mail and webhook', async () => {
      const alerts = (await deliveriesOf(alice)).filter((delivery) => delivery.kind === 'alert');
      return alerts.length === 2 && alerts.every((delivery) => delivery.status === 'sent')
        ? alerts
        : undefined;
    });
    expect(sent.map((delivery) => [delivery.channel, delivery.title, delivery.attempts]).sort()).toEqual([
      ['email', product.title, 1],
      ['webhook', product.title, 2],
    ]);
    const webhookId = sent.find((delivery) => delivery.channel === 'webhook')?.id;
    expect(received.filter((r) => r.path === '/alice').map((r) => [r.status, r.idempotencyKey])).toEqual([
      [500, webhookId],
      [200, webhookId],
    ]);
    const event = JSON.parse(received.filter((r) => r.path === '/alice')[1]?.body.toString('utf8') ?? '{}');
    expect(event).toMatchObject({
      type: 'alert.created.v1',
      data: { userId: alice.userId, title: product.title },
    });
    expect(await alertMails(alice.email, product.title)).toHaveLength(1);
  });

  it("never delays another user's e-mail behind a webhook that does not answer", async () => {
    const slow = await gateway.registerUser('slow-hook');
    const other = await gateway.registerUser('mailed');
    holding.add('/slow');
    await gateway.put(
      '/me/notifications',
      { email: false, webhookUrl: `${receiverUrl}/slow` },
      { token: slow.token, expect: 200 },
    );
    const slowProduct = await watchedProduct(slow, 'Slow Cheese');
    const otherProduct = await watchedProduct(other, 'Quick Bread');
    await slowProduct.alert();
    await eventually('the slow webhook called', async () =>
      received.some((r) => r.path === '/slow') ? true : undefined,
    );
    await otherProduct.alert();
    const [mail] = await eventually("the other user's alert e-mail", async () => {
      const mails = await alertMails(other.email, otherProduct.title);
      return mails.length > 0 ? mails : undefined;
    });
    expect(mail?.to).toEqual([other.email]);
    // The slow webhook has still not answered.
    expect(received.filter((r) => r.path === '/slow').every((r) => r.status === 'held')).toBe(true);
    holding.delete('/slow');
    for (const res of held.splice(0)) res.writeHead(200).end();
    // Each user sees only their own deliveries.
    const slowList = await deliveriesOf(slow);
    const otherList = await deliveriesOf(other);
    expect(otherList.some((delivery) => delivery.title === slowProduct.title)).toBe(false);
    expect(slowList.some((delivery) => delivery.title === otherProduct.title)).toBe(false);
    expect(otherList.filter((d) => d.kind === 'alert').map((d) => [d.channel, d.status])).toEqual([
      ['email', 'sent'],
    ]);
  });

  it('pushes the alert to a subscribed browser, encrypted for its keys', async () => {
    const shopper = await gateway.registerUser('pushed');
    const browser = createECDH('prime256v1');
    browser.generateKeys();
    const auth = randomBytes(16).toString('base64url');
    const { body: key } = await gateway.get<{ publicKey: string }>('/me/push/vapid-public-key', {
      token: shopper.token,
    });
    expect(key.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    await gateway.post(
      '/me/push-subscriptions',
      {
        endpoint: `${receiverUrl}/push/${shopper.userId}`,
        expirationTime: null,
        keys: { p256dh: browser.getPublicKey().toString('base64url'), auth },
      },
      { token: shopper.token, expect: 201 },
    );
    await gateway.put(
      '/me/notifications',
      { email: false, webhookUrl: null, push: true },
      { token: shopper.token, expect: 200 },
    );
    const product = await watchedProduct(shopper, 'Pushed Honey');
    await product.alert();
    const push = await eventually('the push at the endpoint', async () =>
      received.find((r) => r.path === `/push/${shopper.userId}`),
    );
    const payload = JSON.parse(
      decrypt(push.body, { version: 'aes128gcm', privateKey: browser, authSecret: auth }).toString('utf8'),
    );
    expect(payload).toMatchObject({ title: product.title, url: '/app/alerts' });
    await eventually('the push recorded as sent', async () => {
      const pushes = (await deliveriesOf(shopper)).filter((d) => d.channel === 'push');
      return pushes.length === 1 && pushes[0]?.status === 'sent' ? pushes : undefined;
    });
  });
});

/**
 * alert.created.v1 is queued for e-mail (when enabled) and the webhook (when set) and sent by the delivery
 * worker. The webhook post is SSRF-safe: only public addresses, the connection pinned to the checked
 * address, every redirect re-checked (service-kit's safe-http.ts, tested there); these tests hold the
 * gateway's use of it. The resolver and connector are injected: only a loopback receiver is dialed.
 */
import { eventCatalog } from '@cartwatch/common-types';
import { newId, withTransaction } from '@cartwatch/db';
import { buildEnvelope } from '@cartwatch/events';
import { type TestDatabase, uniqueEmail } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { alertCreatedHandler } from '../src/events/alert-created.handler.js';
import { deliverWebhook, WebhookRefused } from '../src/notifications/webhook-delivery.js';
import { createGatewayDatabase, createTestGateway, type TestGateway } from './harness.js';
import { startFakeReceivers } from './outbound-doubles.js';

const receivers: { close(): Promise<void> }[] = [];
async function fakeTransport(...args: Parameters<typeof startFakeReceivers>) {
  const started = await startFakeReceivers(...args);
  receivers.push(started);
  return { ...started.transport, dialed: started.dialed, connected: started.connected };
}

describe('SSRF-safe webhook delivery', () => {
  afterEach(async () => {
    for (const receiver of receivers.splice(0)) await receiver.close();
  });

  it('connects to the checked public address only, with the JSON body and its headers', async () => {
    const transport = await fakeTransport({ 'hooks.example.com': ['93.184.216.34'] }, {});
    expect(await deliverWebhook('https://hooks.example.com/x', { a: 1 }, transport)).toBe(200);
    expect(transport.dialed[0]).toMatchObject({
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'CartWatch-Webhook/1' },
    });
    expect(transport.dialed.map((d) => [d.url.href, d.address, String(d.body)])).toEqual([
      ['https://hooks.example.com/x', '93.184.216.34', '{"a":1}'],
    ]);
  });

  it('refuses a host that resolves to any private address, without dialing', async () => {
    const transport = await fakeTransport({ 'rebind.example.com': ['93.184.216.34', '10.0.0.7'] }, {});
    await expect(deliverWebhook('https://rebind.example.com/x', {}, transport)).rejects.toThrow(
      new WebhookRefused('rebind.example.com resolves to a non-public address'),
    );
    await expect(deliverWebhook('http://169.254.169.254/latest', {}, transport)).rejects.toBeInstanceOf(
      WebhookRefused,
    );
    await expect(deliverWebhook('http://[::1]:8080/', {}, transport)).rejects.toBeInstanceOf(WebhookRefused);
    expect(transport.connected).toEqual([]);
  });

  it('re-checks every redirect and refuses one into the private network', async () => {
    const transport = await fakeTransport(
      { 'hooks.example.com': ['93.184.216.34'], 'internal.example.com': ['192.168.1.10'] },
      { 'hooks.example.com': { status: 302, location: 'http://internal.example.com/admin' } },
    );
    await expect(deliverWebhook('https://hooks.example.com/x', {}, transport)).rejects.toBeInstanceOf(
      WebhookRefused,
    );
    expect(transport.dialed.map((d) => d.url.hostname)).toEqual(['hooks.example.com']);
  });

  it('stops after three redirects', async () => {
    const transport = await fakeTransport(
      { 'loop.example.com': ['93.184.216.34'] },
      { 'loop.example.com': { status: 307, location: '/again' } },
    );
    await expect(deliverWebhook('https://loop.example.com/x', {}, transport)).rejects.toThrow(
      'too many redirects',
    );
    expect(transport.dialed).toHaveLength(4);
  });
});

describe('alert.created delivery', () => {
  let database: TestDatabase<DB>;
  let gateway: TestGateway;
  let transport: Awaited<ReturnType<typeof startFakeReceivers>>['transport'] & {
    dialed: Awaited<ReturnType<typeof startFakeReceivers>>['dialed'];
  };
  let receiver: Awaited<ReturnType<typeof startFakeReceivers>>;

  beforeAll(async () => {
    receiver = await startFakeReceivers(
      { 'hooks.example.com': ['93.184.216.34'], 'down.example.com': ['93.184.216.34'] },
      { 'down.example.com': { status: 503 } },
    );
    transport = { ...receiver.transport, dialed: receiver.dialed };
    database = await createGatewayDatabase();
    gateway = await createTestGateway(database, {}, { transport });
  });

  afterAll(async () => {
    await gateway.close();
    await database.drop();
    await receiver.close();
  });

  async function signUp(preferences?: { email: boolean; webhookUrl: string | null }) {
    const email = uniqueEmail();
    const response = await request(gateway.app)
      .post('/auth/register')
      .send({ email, password: 'correct horse battery staple', displayName: 'A' })
      .expect(201);
    if (preferences) {
      await request(gateway.app)
        .put('/me/notifications')
        .set('Authorization', `Bearer ${response.body.tokens.accessToken}`)
        .send(preferences)
        .expect(200);
    }
    return { email, id: response.body.user.id as string };
  }

  /** The consumer's part (in its transaction, no I/O), then the delivery worker's. */
  async function deliver(userId: string) {
    const alertId = newId();
    const event = buildEnvelope(eventCatalog.alertCreated, {
      source: 'price-watch',
      userId,
      data: {
        alertId,
        userId,
        kind: 'price-drop',
        title: 'Butter is cheaper',
        body: 'Butter 1.49 at Store A',
      },
    });
    const handler = alertCreatedHandler({ maxAttempts: 3 });
    await withTransaction(database.db, (trx) =>
      handler.handle(trx, event, { working() {}, deliveryCount: 1 }),
    );
    await gateway.deliver();
    return alertId;
  }

  it('e-mails the alert to its user by default and to nobody else', async () => {
    const alice = await signUp();
    await deliver(alice.id);
    expect(
      gateway.notifier.emails
        .filter((m) => m.subject.startsWith('CartWatch: '))
        .map((m) => [m.to, m.subject]),
    ).toEqual([[alice.email, 'CartWatch: Butter is cheaper']]);
  });

  it('posts to the webhook with its delivery id and skips e-mail when the user turned it off', async () => {
    const bob = await signUp({ email: false, webhookUrl: 'https://hooks.example.com/bob' });
    const dialedBefore = transport.dialed.length;
    const alertId = await deliver(bob.id);
    expect(
      gateway.notifier.emails.filter((m) => m.to === bob.email && m.subject.startsWith('CartWatch: ')),
    ).toEqual([]);
    const dialed = transport.dialed.slice(dialedBefore);
    expect(dialed).toHaveLength(1);
    expect(JSON.parse(String(dialed[0]?.body))).toMatchObject({
      type: 'alert.created.v1',
      data: { alertId },
    });
    const [row] = await database.db
      .selectFrom('notification_delivery')
      .select(['id', 'status'])
      .where('user_id', '=', bob.id)
      .where('kind', '=', 'alert')
      .execute();
    expect(row?.status).toBe('sent');
    expect(dialed[0]?.headers['idempotency-key']).toBe(row?.id);
  });

  it('retries a failing webhook with backoff and marks it failed after the last attempt', async () => {
    const carol = await signUp({ email: false, webhookUrl: 'https://down.example.com/hook' });
    await deliver(carol.id);
    const rows = () =>
      database.db
        .selectFrom('notification_delivery')
        .select(['status', 'attempts', 'last_error', 'run_after'])
        .where('user_id', '=', carol.id)
        .where('kind', '=', 'alert')
        .execute();
    let [row] = await rows();
    expect(row).toMatchObject({ status: 'pending', attempts: 1, last_error: 'the webhook answered 503' });
    expect(row?.run_after.getTime()).toBeGreaterThan(Date.now());
    for (let attempt = 2; attempt <= 3; attempt++) {
      await database.db
        .updateTable('notification_delivery')
        .set({ run_after: new Date() })
        .where('user_id', '=', carol.id)
        .where('kind', '=', 'alert')
        .execute();
      await gateway.deliver();
    }
    [row] = await rows();
    expect(row).toMatchObject({ status: 'failed', attempts: 3, last_error: 'the webhook answered 503' });
  });
});

/**
 * alert.created.v1 goes out by e-mail (when enabled) and webhook (when set). The webhook fetch is
 * SSRF-safe: only public addresses, the connection pinned to the checked address, every redirect
 * re-checked. The transport is injected: nothing is dialed.
 */
import { eventCatalog } from '@cartwatch/common-types';
import { newId, withTransaction } from '@cartwatch/db';
import { buildEnvelope } from '@cartwatch/events';
import { type TestDatabase, uniqueEmail } from '@cartwatch/testing';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { alertCreatedHandler } from '../src/events/alert-created.handler.js';
import {
  deliverWebhook,
  type PinnedRequest,
  WebhookRefused,
  type WebhookTransport,
} from '../src/notifications/webhook-delivery.js';
import { createGatewayDatabase, createTestGateway, RecordingNotifier, type TestGateway } from './harness.js';

/** DNS answers and HTTP answers by hostname; records every connection attempt instead of dialing. */
function fakeTransport(
  dns: Record<string, string[]>,
  answers: Record<string, { status: number; location?: string }>,
): WebhookTransport & { dialed: PinnedRequest[] } {
  const dialed: PinnedRequest[] = [];
  return {
    dialed,
    async resolve(hostname) {
      return dns[hostname] ?? [];
    },
    async connect(pinned) {
      dialed.push(pinned);
      return answers[pinned.url.hostname] ?? { status: 200 };
    },
  };
}

describe('SSRF-safe webhook delivery', () => {
  it('connects to the checked public address only', async () => {
    const transport = fakeTransport({ 'hooks.example.com': ['93.184.216.34'] }, {});
    expect(await deliverWebhook('https://hooks.example.com/x', { a: 1 }, transport)).toBe(200);
    expect(transport.dialed.map((d) => [d.url.href, d.address, d.body])).toEqual([
      ['https://hooks.example.com/x', '93.184.216.34', '{"a":1}'],
    ]);
  });

  it('refuses a host that resolves to any private address, without dialing', async () => {
    const transport = fakeTransport({ 'rebind.example.com': ['93.184.216.34', '10.0.0.7'] }, {});
    await expect(deliverWebhook('https://rebind.example.com/x', {}, transport)).rejects.toBeInstanceOf(
      WebhookRefused,
    );
    await expect(deliverWebhook('http://169.254.169.254/latest', {}, transport)).rejects.toBeInstanceOf(
      WebhookRefused,
    );
    await expect(deliverWebhook('http://[::1]:8080/', {}, transport)).rejects.toBeInstanceOf(WebhookRefused);
    expect(transport.dialed).toEqual([]);
  });

  it('re-checks every redirect and refuses one into the private network', async () => {
    const transport = fakeTransport(
      { 'hooks.example.com': ['93.184.216.34'], 'internal.example.com': ['192.168.1.10'] },
      { 'hooks.example.com': { status: 302, location: 'http://internal.example.com/admin' } },
    );
    await expect(deliverWebhook('https://hooks.example.com/x', {}, transport)).rejects.toBeInstanceOf(
      WebhookRefused,
    );
    expect(transport.dialed.map((d) => d.url.hostname)).toEqual(['hooks.example.com']);
  });

  it('stops after three redirects', async () => {
    const transport = fakeTransport(
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

  beforeAll(async () => {
    database = await createGatewayDatabase();
    gateway = await createTestGateway(database);
  });

  afterAll(async () => {
    await gateway.close();
    await database.drop();
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

  async function deliver(userId: string, notifier: RecordingNotifier, transport: WebhookTransport) {
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
    const handler = alertCreatedHandler({ notifier, logger: pino({ level: 'silent' }), webhook: transport });
    await withTransaction(database.db, (trx) =>
      handler.handle(trx, event, { working() {}, deliveryCount: 1 }),
    );
    return alertId;
  }

  it('e-mails the alert to its user by default and to nobody else', async () => {
    const alice = await signUp();
    const notifier = new RecordingNotifier();
    await deliver(alice.id, notifier, fakeTransport({}, {}));
    expect(notifier.emails.map((m) => [m.to, m.subject])).toEqual([
      [alice.email, 'CartWatch: Butter is cheaper'],
    ]);
  });

  it('posts to the webhook and skips e-mail when the user turned it off', async () => {
    const bob = await signUp({ email: false, webhookUrl: 'https://hooks.example.com/bob' });
    const notifier = new RecordingNotifier();
    const transport = fakeTransport({ 'hooks.example.com': ['93.184.216.34'] }, {});
    const alertId = await deliver(bob.id, notifier, transport);
    expect(notifier.emails).toEqual([]);
    expect(transport.dialed).toHaveLength(1);
    expect(JSON.parse(transport.dialed[0]?.body ?? '{}')).toMatchObject({
      type: 'alert.created.v1',
      data: { alertId },
    });
  });

  it('throws on a failing webhook so the consumer retries', async () => {
    const carol = await signUp({ email: false, webhookUrl: 'https://down.example.com/hook' });
    const transport = fakeTransport(
      { 'down.example.com': ['93.184.216.34'] },
      { 'down.example.com': { status: 503 } },
    );
    await expect(deliver(carol.id, new RecordingNotifier(), transport)).rejects.toThrow(
      'webhook answered 503',
    );
  });
});

/**
 * Web push (issue #18 part 4): a browser's subscription is saved through the gateway, an alert is queued
 * for it and the delivery worker sends it, signed with the VAPID key and encrypted (aes128gcm) for the
 * subscription, to a local push endpoint: a loopback HTTP server that decrypts the payload with http_ece
 * and the private key and auth secret this test generated, as a browser would. Endpoints answering 404 or
 * 410 lose their subscription; endpoints on private addresses are refused, when saved and when sent to.
 */
import { createECDH, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventCatalog } from '@cartwatch/common-types';
import { newId, withTransaction } from '@cartwatch/db';
import { buildEnvelope } from '@cartwatch/events';
import { type ConnectTarget, systemTransport } from '@cartwatch/service-kit/safe-http';
import { type TestDatabase, uniqueEmail } from '@cartwatch/testing';
import { decrypt } from 'http_ece';
import { importJWK, jwtVerify } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { alertCreatedHandler } from '../src/events/alert-created.handler.js';
import { createGatewayDatabase, createTestGateway, type TestGateway, vapidKeys } from './harness.js';

/** A browser's side of a subscription: its P-256 key pair and auth secret. */
function browserKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16).toString('base64url');
  return { ecdh, p256dh: ecdh.getPublicKey().toString('base64url'), auth };
}

interface PushReceived {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** The push service: records each POST and answers the path's scripted status (default 201). */
async function startPushEndpoint() {
  const received: PushReceived[] = [];
  const statuses = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(statuses.get(path) ?? 201).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answer: (path: string, status: number) => statuses.set(path, status),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function signUp(gateway: TestGateway) {
  const response = await request(gateway.app)
    .post('/auth/register')
    .send({ email: uniqueEmail(), password: 'correct horse battery staple', displayName: 'P' })
    .expect(201);
  return {
    id: response.body.user.id as string,
    auth: { Authorization: `Bearer ${response.body.tokens.accessToken}` },
  };
}

/** Alerts of `user` go to web push only. */
async function turnOnPush(gateway: TestGateway, user: { auth: { Authorization: string } }) {
  await request(gateway.app)
    .put('/me/notifications')
    .set(user.auth)
    .send({ email: false, webhookUrl: null, push: true })
    .expect(200);
}

async function queueAlert(database: TestDatabase<DB>, userId: string, link?: string) {
  const event = buildEnvelope(eventCatalog.alertCreated, {
    source: 'price-watch',
    userId,
    data: {
      alertId: newId(),
      userId,
      kind: 'target-price',
      title: 'Butter reached your price',
      body: 'Butter 1.49 at Store A',
      ...(link && { link }),
    },
  });
  await withTransaction(database.db, (trx) =>
    alertCreatedHandler({ maxAttempts: 3 }).handle(trx, event, { working() {}, deliveryCount: 1 }),
  );
  return event;
}

describe('web push to a local push endpoint', () => {
  let database: TestDatabase<DB>;
  let gateway: TestGateway;
  let endpoint: Awaited<ReturnType<typeof startPushEndpoint>>;

  beforeAll(async () => {
    database = await createGatewayDatabase();
    endpoint = await startPushEndpoint();
    // The real pinned transport; loopback targets are allowed for this gateway only (a test setting).
    gateway = await createTestGateway(
      database,
      { DELIVERY_ALLOW_LOOPBACK_TARGETS: 'true' },
      { transport: systemTransport },
    );
  });

  afterAll(async () => {
    await gateway.close();
    await endpoint.close();
    await database.drop();
  });

  async function subscribe(user: { auth: { Authorization: string } }, path: string) {
    const keys = browserKeys();
    const created = await request(gateway.app)
      .post('/me/push-subscriptions')
      .set(user.auth)
      .send({
        endpoint: `${endpoint.url}${path}`,
        expirationTime: null,
        keys: { p256dh: keys.p256dh, auth: keys.auth },
      })
      .expect(201);
    return { ...keys, id: created.body.id as string };
  }

  it('pushes an alert signed with the VAPID key, encrypted for the subscription, that the endpoint decrypts', async () => {
    const user = await signUp(gateway);
    const key = await request(gateway.app).get('/me/push/vapid-public-key').set(user.auth).expect(200);
    expect(key.body).toEqual({ publicKey: vapidKeys.publicKey });
    const browser = await subscribe(user, '/push/ada');
    await turnOnPush(gateway, user);
    const event = await queueAlert(database, user.id, 'https://shop.example.com/butter');
    await gateway.deliver();

    const pushes = endpoint.received.filter((push) => push.path === '/push/ada');
    expect(pushes).toHaveLength(1);
    const push = pushes[0] as PushReceived;
    expect(push.headers['content-encoding']).toBe('aes128gcm');
    expect(Number(push.headers.ttl)).toBeGreaterThan(0);
    const payload = JSON.parse(
      decrypt(push.body, {
        version: 'aes128gcm',
        privateKey: browser.ecdh,
        authSecret: browser.auth,
      }).toString('utf8'),
    );
    expect(payload).toEqual({
      title: 'Butter reached your price',
      body: 'Butter 1.49 at Store A',
      url: 'https://shop.example.com/butter',
      tag: event.data.alertId,
    });
    // `Authorization: vapid t=<JWT>, k=<public key>`: the JWT verifies with the VAPID public key, for this origin.
    const [, token, publicKey] = /^vapid t=([^,]+), k=(.+)$/.exec(String(push.headers.authorization)) ?? [];
    expect(publicKey).toBe(vapidKeys.publicKey);
    const raw = Buffer.from(vapidKeys.publicKey, 'base64url');
    const verifier = await importJWK(
      {
        kty: 'EC',
        crv: 'P-256',
        x: raw.subarray(1, 33).toString('base64url'),
        y: raw.subarray(33, 65).toString('base64url'),
      },
      'ES256',
    );
    const { payload: claims } = await jwtVerify(String(token), verifier, { audience: endpoint.url });
    expect(claims.sub).toBe('mailto:tests@cartwatch.test');

    const [row] = await database.db
      .selectFrom('notification_delivery')
      .select(['status', 'target'])
      .where('user_id', '=', user.id)
      .where('channel', '=', 'push')
      .execute();
    expect(row).toEqual({ status: 'sent', target: browser.id });
  });

  it('removes a subscription whose endpoint answers 410 or 404, and marks the push failed', async () => {
    const user = await signUp(gateway);
    const gone = await subscribe(user, '/push/gone');
    const unknown = await subscribe(user, '/push/unknown');
    endpoint.answer('/push/gone', 410);
    endpoint.answer('/push/unknown', 404);
    await turnOnPush(gateway, user);
    await queueAlert(database, user.id);
    await gateway.deliver();

    const left = await database.db
      .selectFrom('push_subscription')
      .select('id')
      .where('id', 'in', [gone.id, unknown.id])
      .execute();
    expect(left).toEqual([]);
    const rows = await database.db
      .selectFrom('notification_delivery')
      .select(['target', 'status', 'attempts', 'last_error'])
      .where('user_id', '=', user.id)
      .where('channel', '=', 'push')
      .execute();
    expect(rows.sort((a, b) => a.target.localeCompare(b.target))).toEqual(
      [
        {
          target: gone.id,
          status: 'failed',
          attempts: 1,
          last_error: 'the push subscription is gone (410); removed',
        },
        {
          target: unknown.id,
          status: 'failed',
          attempts: 1,
          last_error: 'the push subscription is gone (404); removed',
        },
      ].sort((a, b) => a.target.localeCompare(b.target)),
    );
    // The next alert has nobody to push to.
    await queueAlert(database, user.id);
    const pushes = await database.db
      .selectFrom('notification_delivery')
      .select('id')
      .where('user_id', '=', user.id)
      .where('channel', '=', 'push')
      .execute();
    expect(pushes).toHaveLength(2);
  });

  it("unsubscribes the user's own subscription only, and refuses a malformed one", async () => {
    const owner = await signUp(gateway);
    const stranger = await signUp(gateway);
    const browser = await subscribe(owner, '/push/mine');
    await request(gateway.app).delete(`/me/push-subscriptions/${browser.id}`).set(stranger.auth).expect(404);
    await request(gateway.app).delete(`/me/push-subscriptions/${browser.id}`).set(owner.auth).expect(204);
    await request(gateway.app).delete(`/me/push-subscriptions/${browser.id}`).set(owner.auth).expect(404);
    const malformed = await request(gateway.app)
      .post('/me/push-subscriptions')
      .set(owner.auth)
      .send({ endpoint: `${endpoint.url}/push/x`, keys: { p256dh: 'not base64!', auth: 'x' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('VALIDATION_FAILED');
    await request(gateway.app).post('/me/push-subscriptions').send({}).expect(401);
  });
});

describe('push endpoints are held to the webhook SSRF policy', () => {
  let database: TestDatabase<DB>;
  let gateway: TestGateway;
  const dialed: ConnectTarget[] = [];

  beforeAll(async () => {
    database = await createGatewayDatabase();
    gateway = await createTestGateway(
      database,
      {},
      {
        transport: {
          async resolve(hostname) {
            return [{ address: hostname === 'push.example.net' ? '10.0.0.8' : '93.184.216.34', family: 4 }];
          },
          async connect(target) {
            dialed.push(target);
            throw new Error(`tests do not dial ${target.address}`);
          },
        },
      },
    );
  });

  afterAll(async () => {
    await gateway.close();
    await database.drop();
  });

  it('refuses private, loopback and plain-http endpoints when they are saved', async () => {
    const user = await signUp(gateway);
    const keys = browserKeys();
    for (const endpoint of [
      'https://10.1.2.3/push',
      'https://127.0.0.1/push',
      'https://[::1]/push',
      'https://169.254.169.254/latest',
      'https://localhost/push',
      'http://push.example.com/push',
    ]) {
      const response = await request(gateway.app)
        .post('/me/push-subscriptions')
        .set(user.auth)
        .send({ endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } });
      expect(response.status, endpoint).toBe(422);
    }
    expect(await database.db.selectFrom('push_subscription').select('id').execute()).toEqual([]);
  });

  it('never dials an endpoint whose name resolves to a private address; the push fails', async () => {
    const user = await signUp(gateway);
    const keys = browserKeys();
    await request(gateway.app)
      .post('/me/push-subscriptions')
      .set(user.auth)
      .send({ endpoint: 'https://push.example.net/abc', keys: { p256dh: keys.p256dh, auth: keys.auth } })
      .expect(201);
    await turnOnPush(gateway, user);
    await queueAlert(database, user.id);
    await gateway.deliver();
    expect(dialed).toEqual([]);
    const row = await database.db
      .selectFrom('notification_delivery')
      .select(['status', 'last_error'])
      .where('user_id', '=', user.id)
      .where('channel', '=', 'push')
      .executeTakeFirst();
    expect(row).toEqual({
      status: 'failed',
      last_error: 'the push service refused: push.example.net resolves to a non-public address',
    });
  });
});

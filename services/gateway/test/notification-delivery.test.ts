/**
 * Notifications are delivered after commit (issue #18): the alert.created consumer only queues one
 * delivery per channel in its inbox transaction, and the delivery worker sends them afterwards, with
 * retries, a final failed state the user can list, per-channel slots and leases that survive a dead
 * worker. Webhooks are real loopback HTTP servers reached through an injected transport (the SSRF policy
 * still sees a public address); nothing else is dialed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventCatalog } from '@cartwatch/common-types';
import { newId, withTransaction } from '@cartwatch/db';
import { buildEnvelope, EventConsumer, registerEventMetrics } from '@cartwatch/events';
import type { ServiceContext } from '@cartwatch/service-runtime';
import {
  counterValue,
  createTestStream,
  eventually,
  type TestDatabase,
  type TestStream,
  uniqueEmail,
} from '@cartwatch/testing';
import { jetstream } from '@nats-io/jetstream';
import { sql } from 'kysely';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import type { DB } from '../src/db/schema.js';
import { alertCreatedHandler } from '../src/events/alert-created.handler.js';
import { claimDueDeliveries, finishDelivery } from '../src/notifications/delivery.repository.js';
import { serviceDefinition } from '../src/service.js';
import { createGatewayDatabase, createTestGateway, type TestGateway } from './harness.js';
import { connectorTo, publicResolver } from './outbound-doubles.js';

const PASSWORD = 'correct horse battery staple';

interface HookRequest {
  path: string;
  idempotencyKey: string | undefined;
  status: number | 'held';
}

/**
 * A loopback webhook receiver: answers each path's scripted statuses in turn (then 200), or holds the
 * answer when told to. `transport` reaches it for any public-looking host, as the pinned transport would.
 */
async function startHookServer() {
  const scripts = new Map<string, number[]>();
  const holding = new Set<string>();
  const held: http.ServerResponse[] = [];
  const requests: HookRequest[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://receiver').pathname;
      const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
      if (holding.has(path)) {
        requests.push({ path, idempotencyKey, status: 'held' });
        held.push(res);
        return;
      }
      const status = scripts.get(path)?.shift() ?? 200;
      requests.push({ path, idempotencyKey, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const transport = { resolve: publicResolver, connect: connectorTo(port) };
  return {
    transport,
    requests,
    script: (path: string, statuses: number[]) => scripts.set(path, statuses),
    hold: (path: string) => holding.add(path),
    release() {
      holding.clear();
      for (const res of held.splice(0)) res.writeHead(200).end();
    },
    async close() {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function signUp(
  gateway: TestGateway,
  preferences?: { email: boolean; webhookUrl: string | null },
): Promise<{ email: string; id: string; auth: { Authorization: string } }> {
  const email = uniqueEmail();
  const response = await request(gateway.app)
    .post('/auth/register')
    .send({ email, password: PASSWORD, displayName: 'A' })
    .expect(201);
  const auth = { Authorization: `Bearer ${response.body.tokens.accessToken}` };
  if (preferences)
    await request(gateway.app).put('/me/notifications').set(auth).send(preferences).expect(200);
  return { email, id: response.body.user.id as string, auth };
}

function alertFor(userId: string, title: string) {
  return buildEnvelope(eventCatalog.alertCreated, {
    source: 'price-watch',
    userId,
    subjectId: newId(),
    data: { alertId: newId(), userId, kind: 'price-drop', title, body: 'Butter 1.49 at Store A' },
  });
}

describe('alerts through the consumer and the running delivery worker', () => {
  let database: TestDatabase<DB>;
  let gateway: TestGateway;
  let stream: TestStream;
  let consumer: EventConsumer;
  let hooks: Awaited<ReturnType<typeof startHookServer>>;

  beforeAll(async () => {
    database = await createGatewayDatabase();
    hooks = await startHookServer();
    gateway = await createTestGateway(
      database,
      {
        DELIVERY_POLL_INTERVAL_MS: '20',
        DELIVERY_RETRY_BASE_MS: '20',
        DELIVERY_RETRY_MAX_MS: '100',
        // Every webhook slot of the process is taken by one held webhook.
        DELIVERY_CONCURRENCY_WEBHOOK: '1',
      },
      { transport: hooks.transport },
    );
    stream = await createTestStream();
    // The consumer as the process builds it (serviceDefinition's handlers), in one lane: both alerts of the
    // second test share it, as two alerts hashed to the same lane would.
    const handlers = serviceDefinition.eventHandlers?.({
      ...gateway.context,
      nc: stream.nc,
    } as ServiceContext<Config, DB>);
    consumer = new EventConsumer({
      name: 'gateway',
      database,
      nc: stream.nc,
      logger: pino({ level: 'silent' }),
      handlers: handlers ?? [],
      streamName: stream.streamName,
      subjectPrefix: stream.subjectPrefix,
      backoffMs: [50],
      concurrency: 1,
    });
    await consumer.start();
    gateway.deliveries.start();
  });

  afterAll(async () => {
    hooks.release();
    await consumer.stop();
    await stream.cleanup();
    await gateway.close();
    await hooks.close();
    await database.drop();
  });

  async function publishAlert(userId: string, title: string) {
    const envelope = alertFor(userId, title);
    await jetstream(stream.nc).publish(`${stream.subjectPrefix}.${envelope.type}`, JSON.stringify(envelope));
  }

  const alertEmails = (title: string) =>
    gateway.notifier.emails.filter((message) => message.subject === `CartWatch: ${title}`);

  it('delivers a webhook that answers 500 then 200 exactly once, and e-mails the alert once', async () => {
    const alice = await signUp(gateway, { email: true, webhookUrl: 'https://hooks.example.com/alice' });
    hooks.script('/alice', [500, 200]);
    await publishAlert(alice.id, 'Butter is cheaper');
    const deliveries = await eventually('both deliveries sent', async () => {
      const rows = await database.db
        .selectFrom('notification_delivery')
        .select(['id', 'channel', 'status', 'attempts'])
        .where('user_id', '=', alice.id)
        .where('kind', '=', 'alert')
        .orderBy('channel')
        .execute();
      return rows.length === 2 && rows.every((row) => row.status === 'sent') ? rows : undefined;
    });
    expect(deliveries.map((row) => [row.channel, row.attempts])).toEqual([
      ['email', 1],
      ['webhook', 2],
    ]);
    const webhook = deliveries.find((row) => row.channel === 'webhook');
    // Two attempts, one accepted, both carrying the delivery id the receiver can de-duplicate with.
    expect(hooks.requests.filter((r) => r.path === '/alice')).toEqual([
      { path: '/alice', idempotencyKey: webhook?.id, status: 500 },
      { path: '/alice', idempotencyKey: webhook?.id, status: 200 },
    ]);
    expect(alertEmails('Butter is cheaper').map((message) => message.to)).toEqual([alice.email]);
  });

  it("never delays another user's e-mail behind a webhook that does not answer", async () => {
    const slow = await signUp(gateway, { email: false, webhookUrl: 'https://hooks.example.com/slow' });
    const other = await signUp(gateway, { email: true, webhookUrl: null });
    hooks.hold('/slow');
    await publishAlert(slow.id, 'Slow hook');
    await eventually('the webhook held', () =>
      hooks.requests.some((r) => r.path === '/slow') ? true : undefined,
    );
    await publishAlert(other.id, 'Quick mail');
    const [mail] = await eventually("the other user's e-mail", () => {
      const sent = alertEmails('Quick mail');
      return sent.length > 0 ? sent : undefined;
    });
    expect(mail?.to).toBe(other.email);
    // The webhook is still waiting for its answer while the e-mail went out.
    expect(hooks.requests.filter((r) => r.path === '/slow').map((r) => r.status)).toEqual(['held']);
    hooks.release();
    await eventually('the held webhook recorded', async () => {
      const row = await database.db
        .selectFrom('notification_delivery')
        .select('status')
        .where('user_id', '=', slow.id)
        .where('kind', '=', 'alert')
        .executeTakeFirst();
      return row?.status === 'sent' ? row : undefined;
    });
  });

  it('drops an alert that arrives after its user deleted the account, and counts it', async () => {
    const gone = await signUp(gateway, { email: true, webhookUrl: 'https://hooks.example.com/gone' });
    await request(gateway.app).delete('/auth/me').set(gone.auth).send({ password: PASSWORD }).expect(204);
    const { eventsHandled } = registerEventMetrics();
    const droppedAlerts = () =>
      counterValue({ getSingleMetric: () => eventsHandled }, 'cartwatch_events_handled_total', {
        consumer: 'gateway',
        type: eventCatalog.alertCreated.type,
        outcome: 'user_deleted',
      });
    const droppedBefore = await droppedAlerts();
    const late = alertFor(gone.id, 'Too late');
    await jetstream(stream.nc).publish(`${stream.subjectPrefix}.${late.type}`, JSON.stringify(late));
    // The inbox row of an event commits with its outcome.
    await eventually('the late alert settled', async () => {
      const { rows } = await sql`select event_id from inbox where event_id = ${late.id}::uuid`.execute(
        database.db,
      );
      return rows[0];
    });
    const deliveries = await database.db
      .selectFrom('notification_delivery')
      .select('id')
      .where('user_id', '=', gone.id)
      .execute();
    expect(deliveries).toEqual([]);
    expect(await droppedAlerts()).toBe(droppedBefore + 1);
  });
});

describe('the delivery worker', () => {
  let database: TestDatabase<DB>;
  let gateway: TestGateway;
  let hooks: Awaited<ReturnType<typeof startHookServer>>;

  beforeAll(async () => {
    database = await createGatewayDatabase();
    hooks = await startHookServer();
    gateway = await createTestGateway(database, {}, { transport: hooks.transport });
  });

  afterAll(async () => {
    await gateway.close();
    await hooks.close();
    await database.drop();
  });

  async function queueAlert(userId: string, title: string) {
    const event = alertFor(userId, title);
    await withTransaction(database.db, (trx) =>
      alertCreatedHandler({ maxAttempts: 3 }).handle(trx, event, { working() {}, deliveryCount: 1 }),
    );
    return event;
  }

  it('queues an alert once however often the consumer applies it, and sends nothing itself', async () => {
    const alice = await signUp(gateway, { email: true, webhookUrl: 'https://hooks.example.com/once' });
    const event = alertFor(alice.id, 'Twice applied');
    for (let delivery = 1; delivery <= 2; delivery++)
      await withTransaction(database.db, (trx) =>
        alertCreatedHandler({ maxAttempts: 3 }).handle(trx, event, { working() {}, deliveryCount: delivery }),
      );
    expect(hooks.requests.filter((r) => r.path === '/once')).toEqual([]);
    expect(gateway.notifier.emails.filter((m) => m.subject === 'CartWatch: Twice applied')).toEqual([]);
    await gateway.deliver();
    expect(hooks.requests.filter((r) => r.path === '/once')).toHaveLength(1);
    expect(gateway.notifier.emails.filter((m) => m.subject === 'CartWatch: Twice applied')).toHaveLength(1);
  });

  it('sends a delivery whose worker died once its lease ran out, and drops the dead worker’s late outcome', async () => {
    const bob = await signUp(gateway);
    await gateway.deliver(); // the verification code
    await queueAlert(bob.id, 'Crash safe');
    // A worker claims the e-mail and dies before sending it (its lease is never released).
    const claimed = await withTransaction(database.db, (trx) =>
      claimDueDeliveries(trx, { owner: 'worker-that-died', leaseMs: 60_000, slots: { email: 10 } }),
    );
    expect(claimed.map((row) => row.user_id)).toEqual([bob.id]);
    await gateway.deliver();
    expect(gateway.notifier.emails.filter((m) => m.subject === 'CartWatch: Crash safe')).toEqual([]);
    // The lease runs out (moved instead of waited for).
    await database.db
      .updateTable('notification_delivery')
      .set({ lease_expires_at: new Date(Date.now() - 1_000) })
      .where('id', '=', claimed[0]?.id ?? '')
      .execute();
    await gateway.deliver();
    expect(gateway.notifier.emails.filter((m) => m.subject === 'CartWatch: Crash safe')).toHaveLength(1);
    const row = await database.db
      .selectFrom('notification_delivery')
      .select(['status', 'attempts', 'lease_owner'])
      .where('id', '=', claimed[0]?.id ?? '')
      .executeTakeFirst();
    expect(row).toEqual({ status: 'sent', attempts: 2, lease_owner: null });
    expect(
      await finishDelivery(database.db, claimed[0]?.id ?? '', 'worker-that-died', {
        status: 'failed',
        error: 'x',
      }),
    ).toBe(false);
  });

  it('never gives one delivery to two workers claiming at once (every gateway replica runs the worker)', async () => {
    const dana = await signUp(gateway, { email: true, webhookUrl: 'https://hooks.example.com/replicas' });
    await gateway.deliver(); // the verification code
    for (const title of ['Replica 1', 'Replica 2', 'Replica 3']) await queueAlert(dana.id, title);
    const claim = (owner: string, slots: number) => (trx: Parameters<typeof claimDueDeliveries>[0]) =>
      claimDueDeliveries(trx, { owner, leaseMs: 60_000, slots: { email: slots, webhook: slots } });
    // Replica A's claim is still uncommitted while replica B claims, then both leases hold.
    let second: Awaited<ReturnType<typeof claimDueDeliveries>> = [];
    const first = await withTransaction(database.db, async (trx) => {
      const rows = await claim('replica-a', 2)(trx);
      second = await withTransaction(database.db, claim('replica-b', 10));
      return rows;
    });
    const third = await withTransaction(database.db, claim('replica-c', 10));
    const ids = (rows: typeof first) => rows.filter((r) => r.user_id === dana.id).map((r) => r.id);
    expect(ids(first)).toHaveLength(4);
    expect(ids(second)).toHaveLength(2);
    expect(ids(first).filter((id) => ids(second).includes(id))).toEqual([]);
    expect(ids(third)).toEqual([]);
  });

  it('queues one-time codes, sends them, and keeps no code text once sent', async () => {
    const carol = await signUp(gateway);
    const [queued] = await database.db
      .selectFrom('notification_delivery')
      .select(['id', 'kind', 'lane', 'channel', 'status', 'payload', 'expires_at'])
      .where('user_id', '=', carol.id)
      .execute();
    expect(queued).toMatchObject({ kind: 'code', lane: 'account', channel: 'email', status: 'pending' });
    expect(JSON.stringify(queued?.payload)).toMatch(/\b\d{6}\b/);
    expect(queued?.expires_at?.getTime()).toBeGreaterThan(Date.now());
    const code = await gateway.codeSentTo(carol.email);
    const sent = await database.db
      .selectFrom('notification_delivery')
      .select(['status', 'payload'])
      .where('id', '=', queued?.id ?? '')
      .executeTakeFirst();
    expect(sent).toEqual({ status: 'sent', payload: null });
    const everything = await database.db.selectFrom('notification_delivery').selectAll().execute();
    expect(JSON.stringify(everything)).not.toContain(code);
  });

  it('does not send a code that expired before the worker got to it, and forgets its text', async () => {
    const dave = await signUp(gateway);
    const before = gateway.notifier.emails.filter((m) => m.to === dave.email).length;
    await database.db
      .updateTable('notification_delivery')
      .set({ expires_at: new Date(Date.now() - 1_000) })
      .where('user_id', '=', dave.id)
      .execute();
    await gateway.deliver();
    expect(gateway.notifier.emails.filter((m) => m.to === dave.email)).toHaveLength(before);
    const row = await database.db
      .selectFrom('notification_delivery')
      .select(['status', 'last_error', 'payload'])
      .where('user_id', '=', dave.id)
      .executeTakeFirst();
    expect(row).toEqual({ status: 'failed', last_error: 'expired before it could be sent', payload: null });
  });

  it('lists deliveries to their user only, newest first, page by page, with the failure and no secrets', async () => {
    const erin = await signUp(gateway, {
      email: true,
      webhookUrl: 'https://hooks.example.com/erin?token=SECRET-TOKEN',
    });
    const frank = await signUp(gateway);
    hooks.script('/erin', [404]);
    await queueAlert(erin.id, 'Erin alert');
    await gateway.deliver();

    const first = await request(gateway.app)
      .get('/me/notifications/deliveries?limit=2')
      .set(erin.auth)
      .expect(200);
    expect(first.body.items).toEqual([
      {
        id: expect.any(String),
        kind: 'alert',
        channel: 'webhook',
        title: 'Erin alert',
        status: 'failed',
        attempts: 1,
        lastError: 'the webhook answered 404',
        createdAt: expect.any(String),
        sentAt: null,
      },
      expect.objectContaining({ kind: 'alert', channel: 'email', status: 'sent', lastError: null }),
    ]);
    expect(JSON.stringify(first.body)).not.toContain('SECRET-TOKEN');
    const second = await request(gateway.app)
      .get(`/me/notifications/deliveries?limit=2&cursor=${first.body.nextCursor}`)
      .set(erin.auth)
      .expect(200);
    expect(second.body.items).toEqual([
      expect.objectContaining({
        kind: 'code',
        channel: 'email',
        title: 'Code to confirm your e-mail address',
      }),
    ]);
    expect(second.body.nextCursor).toBeNull();

    const others = await request(gateway.app).get('/me/notifications/deliveries').set(frank.auth).expect(200);
    expect(others.body.items.map((item: { kind: string }) => item.kind)).toEqual(['code']);
    expect(others.body.items.map((item: { id: string }) => item.id)).not.toContain(first.body.items[0].id);

    await request(gateway.app).get('/me/notifications/deliveries?cursor=garbled').set(erin.auth).expect(400);
    await request(gateway.app).get('/me/notifications/deliveries').expect(401);
  });

  it('texts alerts only to a verified phone the user chose', async () => {
    const gina = await signUp(gateway);
    const refused = await request(gateway.app)
      .put('/me/notifications')
      .set(gina.auth)
      .send({ email: false, webhookUrl: null, sms: true });
    expect(refused.status).toBe(422);
    const phone = `+4917${String(Date.now()).slice(-8)}`;
    await database.db.updateTable('app_user').set({ phone }).where('id', '=', gina.id).execute();
    const saved = await request(gateway.app)
      .put('/me/notifications')
      .set(gina.auth)
      .send({ email: false, webhookUrl: null, sms: true })
      .expect(200);
    expect(saved.body).toMatchObject({ email: false, sms: true, push: false, webhookUrl: null });
    await queueAlert(gina.id, 'Texted');
    await gateway.deliver();
    expect(gateway.notifier.texts.filter((t) => t.to === phone).map((t) => t.text)).toEqual([
      'CartWatch: Texted. Butter 1.49 at Store A',
    ]);
  });
});

/**
 * Per alert type rules and quiet hours (issue #22): what the alert.created consumer queues for each
 * channel, and when the delivery worker sends it. The clock is injected: into the queuing (when was the
 * alert created) and into the worker (when does a row come due).
 */
import { eventCatalog } from '@cartwatch/common-types';
import { newId, withTransaction } from '@cartwatch/db';
import { buildEnvelope } from '@cartwatch/events';
import { type TestDatabase, uniqueEmail } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { queueAlertDeliveries } from '../src/notifications/delivery-queue.js';
import { createDeliveryWorker } from '../src/notifications/delivery-worker.factory.js';
import { quietHoursEnd } from '../src/notifications/notification-rules.js';
import { createGatewayDatabase, createTestGateway, type TestGateway } from './harness.js';
import { startFakeReceivers } from './outbound-doubles.js';

let database: TestDatabase<DB>;
let gateway: TestGateway;
let receivers: Awaited<ReturnType<typeof startFakeReceivers>>;
const hooks = () => receivers.dialed.map((request) => request.url.pathname);

beforeAll(async () => {
  receivers = await startFakeReceivers({ 'hooks.example.com': ['93.184.216.34'] });
  database = await createGatewayDatabase();
  gateway = await createTestGateway(database);
});

afterAll(async () => {
  await gateway.close();
  await database.drop();
  await receivers.close();
});

const allOn = { email: true, sms: true, webhook: true, push: true, minChangePct: null };

async function signUp(settings?: object) {
  const email = uniqueEmail();
  const response = await request(gateway.app)
    .post('/auth/register')
    .send({ email, password: 'correct horse battery staple', displayName: 'R' })
    .expect(201);
  const auth = { Authorization: `Bearer ${response.body.tokens.accessToken}` };
  if (settings) await request(gateway.app).put('/me/notifications').set(auth).send(settings).expect(200);
  return { id: response.body.user.id as string, email, auth };
}

async function queue(
  userId: string,
  data: { kind: 'price-drop' | 'coupon' | 'shrinkflation'; title: string; changePct?: number },
  now = new Date(),
) {
  const envelope = buildEnvelope(eventCatalog.alertCreated, {
    source: 'price-watch',
    userId,
    subjectId: newId(),
    data: { alertId: newId(), userId, body: 'Butter 1.49 at Store A', ...data },
  });
  return withTransaction(database.db, (trx) => queueAlertDeliveries(trx, envelope, { maxAttempts: 3 }, now));
}

function queued(userId: string) {
  return database.db
    .selectFrom('notification_delivery')
    .select(['channel', 'title', 'run_after', 'status'])
    .where('user_id', '=', userId)
    .where('kind', '=', 'alert')
    .orderBy('channel')
    .orderBy('title')
    .execute();
}

describe('per-type rules', () => {
  it('sends only the channels the type allows, and only changes at or above its minimum', async () => {
    const alice = await signUp({
      email: true,
      webhookUrl: 'https://hooks.example.com/alice',
      types: {
        'price-drop': { ...allOn, minChangePct: 10 },
        coupon: { ...allOn, email: false },
      },
    });
    const bob = await signUp({ email: true, webhookUrl: null });

    expect(await queue(alice.id, { kind: 'price-drop', title: 'small drop', changePct: 4.5 })).toBe(0);
    expect(await queue(alice.id, { kind: 'price-drop', title: 'exact drop', changePct: 10 })).toBe(2);
    expect(await queue(alice.id, { kind: 'coupon', title: 'a coupon' })).toBe(1);
    expect(await queue(alice.id, { kind: 'shrinkflation', title: 'shrank', changePct: 1 })).toBe(2);
    expect((await queued(alice.id)).map((row) => [row.channel, row.title])).toEqual([
      ['email', 'exact drop'],
      ['email', 'shrank'],
      ['webhook', 'a coupon'],
      ['webhook', 'exact drop'],
      ['webhook', 'shrank'],
    ]);
    // Bob kept the defaults: his small drop is e-mailed.
    expect(await queue(bob.id, { kind: 'price-drop', title: 'small drop', changePct: 4.5 })).toBe(1);
    expect((await queued(bob.id)).map((row) => [row.channel, row.title])).toEqual([['email', 'small drop']]);
  });
});

describe('quiet hours', () => {
  it("computes the end of the quiet hours in the user's time zone, across midnight and DST", () => {
    const berlin = { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin' };
    // 23:30 in Berlin (CET, UTC+1) -> 07:00 the next morning = 06:00 UTC.
    expect(quietHoursEnd(berlin, new Date('2099-01-15T22:30:00Z'))?.toISOString()).toBe(
      '2099-01-16T06:00:00.000Z',
    );
    // 05:00 in Berlin summer (CEST, UTC+2) -> 07:00 the same day = 05:00 UTC.
    expect(quietHoursEnd(berlin, new Date('2099-07-15T03:00:00Z'))?.toISOString()).toBe(
      '2099-07-15T05:00:00.000Z',
    );
    expect(quietHoursEnd(berlin, new Date('2099-01-15T12:00:00Z'))).toBeUndefined();
    // Quiet hours spanning the autumn change in New York (2099-11-01, 02:00 EDT -> 01:00 EST).
    const newYork = { start: '00:30', end: '08:00', timeZone: 'America/New_York' };
    expect(quietHoursEnd(newYork, new Date('2099-11-01T04:45:00Z'))?.toISOString()).toBe(
      '2099-11-01T13:00:00.000Z',
    );
    const lunch = { start: '12:00', end: '13:30', timeZone: 'UTC' };
    expect(quietHoursEnd(lunch, new Date('2099-03-03T12:59:00Z'))?.toISOString()).toBe(
      '2099-03-03T13:30:00.000Z',
    );
    expect(quietHoursEnd(lunch, new Date('2099-03-03T13:30:00Z'))).toBeUndefined();
  });

  it('holds e-mail created in the quiet hours until they end, and sends the webhook at once', async () => {
    const carol = await signUp({
      email: true,
      webhookUrl: 'https://hooks.example.com/carol',
      quietHours: { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin' },
    });
    const createdAt = new Date('2099-01-15T22:30:00Z'); // 23:30 in Berlin
    const endsAt = new Date('2099-01-16T06:00:00Z'); // 07:00 in Berlin
    expect(await queue(carol.id, { kind: 'price-drop', title: 'night drop', changePct: 20 }, createdAt)).toBe(
      2,
    );
    const rows = await queued(carol.id);
    expect(rows.find((row) => row.channel === 'email')?.run_after.toISOString()).toBe(endsAt.toISOString());

    let clock = createdAt.getTime() + 60 * 60_000;
    const worker = createDeliveryWorker(gateway.context, {
      notifier: gateway.notifier,
      transport: receivers.transport,
      now: () => clock,
    });
    const mails = () =>
      gateway.notifier.emails.filter(
        (mail) => mail.to === carol.email && mail.subject.startsWith('CartWatch: '),
      );
    try {
      await worker.drain();
      expect(hooks()).toContain('/carol');
      expect(mails()).toEqual([]);
      clock = endsAt.getTime() - 1_000;
      await worker.drain();
      expect(mails()).toEqual([]);
      clock = endsAt.getTime();
      await worker.drain();
      expect(mails().map((mail) => mail.subject)).toEqual(['CartWatch: night drop']);
      expect((await queued(carol.id)).map((row) => [row.channel, row.status])).toEqual([
        ['email', 'sent'],
        ['webhook', 'sent'],
      ]);
    } finally {
      await worker.stop();
    }
  });

  it('sends at once outside the quiet hours', async () => {
    const dave = await signUp({
      email: true,
      webhookUrl: null,
      quietHours: { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin' },
    });
    const noon = new Date('2099-01-15T11:00:00Z');
    expect(await queue(dave.id, { kind: 'price-drop', title: 'noon drop', changePct: 20 }, noon)).toBe(1);
    const [row] = await queued(dave.id);
    expect(row?.run_after.getTime()).toBeLessThanOrEqual(Date.now());
  });
});

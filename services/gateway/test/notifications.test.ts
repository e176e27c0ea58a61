/** GET/PUT /me/notifications: defaults, strict bodies, per-user isolation, and webhook targets. */

import { isPublicAddress } from '@cartwatch/service-kit';
import { type TestDatabase, uniqueEmail } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { createGatewayDatabase, createTestGateway, type TestGateway } from './harness.js';

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

const allOn = { email: true, sms: true, webhook: true, push: true, minChangePct: null };
const defaultTypes = {
  'price-drop': allOn,
  'target-price': allOn,
  'price-increase': allOn,
  shrinkflation: allOn,
  coupon: allOn,
  watch: allOn,
};

async function signUp() {
  const response = await request(gateway.app)
    .post('/auth/register')
    .send({ email: uniqueEmail(), password: 'correct horse battery staple', displayName: 'N' })
    .expect(201);
  return { Authorization: `Bearer ${response.body.tokens.accessToken}` };
}

describe('notification preferences', () => {
  it('defaults to e-mail on and no webhook, and keeps each user to their own settings', async () => {
    const alice = await signUp();
    const bob = await signUp();
    expect((await request(gateway.app).get('/me/notifications').set(alice).expect(200)).body).toEqual({
      email: true,
      sms: false,
      push: false,
      webhookUrl: null,
      types: defaultTypes,
      quietHours: null,
    });
    const updated = await request(gateway.app)
      .put('/me/notifications')
      .set(alice)
      .send({ email: false, webhookUrl: 'https://hooks.example.com/cartwatch' })
      .expect(200);
    expect(updated.body).toEqual({
      email: false,
      sms: false,
      push: false,
      webhookUrl: 'https://hooks.example.com/cartwatch',
      types: defaultTypes,
      quietHours: null,
    });
    expect((await request(gateway.app).get('/me/notifications').set(bob).expect(200)).body).toEqual({
      email: true,
      sms: false,
      push: false,
      webhookUrl: null,
      types: defaultTypes,
      quietHours: null,
    });
  });

  it('rejects unknown fields and webhooks pointing at private or loopback addresses', async () => {
    const alice = await signUp();
    const unknown = await request(gateway.app)
      .put('/me/notifications')
      .set(alice)
      .send({ email: true, webhookUrl: null, pager: true });
    expect(unknown.status).toBe(400);
    for (const webhookUrl of [
      'http://127.0.0.1/hook',
      'http://10.1.2.3/hook',
      'http://[::1]/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://localhost:8080/hook',
      'https://user:pw@hooks.example.com/x',
    ]) {
      const response = await request(gateway.app)
        .put('/me/notifications')
        .set(alice)
        .send({ email: true, webhookUrl });
      expect(response.status, webhookUrl).toBe(422);
    }
  });

  it('keeps per-type rules and quiet hours per user; omitted fields stay as they were', async () => {
    const alice = await signUp();
    const bob = await signUp();
    const dropRule = { email: true, sms: false, webhook: true, push: false, minChangePct: 15 };
    const couponRule = { email: false, sms: false, webhook: false, push: false, minChangePct: null };
    const quietHours = { start: '22:30', end: '07:00', timeZone: 'Europe/Berlin' };
    const updated = await request(gateway.app)
      .put('/me/notifications')
      .set(alice)
      .send({
        email: true,
        webhookUrl: null,
        types: { 'price-drop': dropRule, coupon: couponRule },
        quietHours,
      })
      .expect(200);
    const expected = { ...defaultTypes, 'price-drop': dropRule, coupon: couponRule };
    expect(updated.body.types).toEqual(expected);
    expect(updated.body.quietHours).toEqual(quietHours);

    // Another type changed later: the earlier rules and the quiet hours stay.
    const shrinkRule = { ...allOn, minChangePct: 5 };
    const again = await request(gateway.app)
      .put('/me/notifications')
      .set(alice)
      .send({ email: true, webhookUrl: null, types: { shrinkflation: shrinkRule } })
      .expect(200);
    expect(again.body.types).toEqual({ ...expected, shrinkflation: shrinkRule });
    expect(again.body.quietHours).toEqual(quietHours);

    const mine = await request(gateway.app).get('/me/notifications').set(alice).expect(200);
    expect(mine.body.types['price-drop']).toEqual(dropRule);
    const theirs = await request(gateway.app).get('/me/notifications').set(bob).expect(200);
    expect(theirs.body.types).toEqual(defaultTypes);
    expect(theirs.body.quietHours).toBeNull();

    const cleared = await request(gateway.app)
      .put('/me/notifications')
      .set(alice)
      .send({ email: true, webhookUrl: null, quietHours: null })
      .expect(200);
    expect(cleared.body.quietHours).toBeNull();
    expect(cleared.body.types['price-drop']).toEqual(dropRule);
  });

  it('refuses bad rules and quiet hours with a 400 naming each field', async () => {
    const alice = await signUp();
    const cases: Array<[object, string]> = [
      [{ types: { 'price-drop': { ...allOn, minChangePct: -1 } } }, 'types.price-drop.minChangePct'],
      [{ types: { 'price-drop': { ...allOn, minChangePct: 101 } } }, 'types.price-drop.minChangePct'],
      [{ types: { 'price-drop': { email: true } } }, 'types.price-drop.sms'],
      [{ types: { birthday: allOn } }, 'types.birthday'],
      [{ types: { coupon: { ...allOn, fax: true } } }, 'types.coupon.fax'],
      [{ quietHours: { start: '25:00', end: '07:00', timeZone: 'UTC' } }, 'quietHours.start'],
      [{ quietHours: { start: '22:00', end: '7', timeZone: 'UTC' } }, 'quietHours.end'],
      [{ quietHours: { start: '22:00', end: '22:00', timeZone: 'UTC' } }, 'quietHours.end'],
      [
        { quietHours: { start: '22:00', end: '07:00', timeZone: 'Mars/Olympus_Mons' } },
        'quietHours.timeZone',
      ],
      [{ quietHours: { start: '22:00', end: '07:00' } }, 'quietHours.timeZone'],
    ];
    for (const [body, field] of cases) {
      const response = await request(gateway.app)
        .put('/me/notifications')
        .set(alice)
        .send({ email: true, webhookUrl: null, ...body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
      const issues = response.body.error.details.issues as Array<{ path: string }>;
      const paths = issues.map((issue) => issue.path);
      expect(paths, JSON.stringify(body)).toContain(field);
    }
    const unchanged = await request(gateway.app).get('/me/notifications').set(alice).expect(200);
    expect(unchanged.body.types).toEqual(defaultTypes);
    expect(unchanged.body.quietHours).toBeNull();
  });

  it('requires a session', async () => {
    await request(gateway.app).get('/me/notifications').expect(401);
  });

  it('classifies addresses: only public unicast is allowed', () => {
    for (const address of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'])
      expect(isPublicAddress(address)).toBe(true);
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
      'not-an-ip',
    ])
      expect(isPublicAddress(address), address).toBe(false);
  });
});

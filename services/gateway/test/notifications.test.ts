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
    });
    expect((await request(gateway.app).get('/me/notifications').set(bob).expect(200)).body).toEqual({
      email: true,
      sms: false,
      push: false,
      webhookUrl: null,
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

/**
 * Roles: admins grant and revoke store staff (one retailer each) and admins. A shopper and staff get 403
 * and change nothing; a grant ends the account's sessions, and the next sign-in carries the role and
 * retailer to the services (X-User-Role / X-User-Retailer), never a client-sent one.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TestDatabase, uniqueEmail } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { createGatewayDatabase, createTestGateway, type TestGateway } from './harness.js';

const PASSWORD = 'correct horse battery staple';

let database: TestDatabase<DB>;
let gateway: TestGateway;
/** Stands in for receipt-ingest (retailers) and price-watch (records what a proxied call carried). */
let upstream: http.Server;
const proxied: http.IncomingHttpHeaders[] = [];
let adminToken: string;

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    req.resume();
    if (req.url?.startsWith('/stores/')) {
      const known = ['fresh-fields', 'value-mart'].includes(req.url.slice('/stores/'.length));
      res.writeHead(known ? 200 : 404, { 'content-type': 'application/json' });
      res.end(
        known
          ? JSON.stringify({ slug: req.url.slice(8), name: 'x', website: null, ingestionMethods: ['json'] })
          : JSON.stringify({ error: { code: 'NOT_FOUND', message: 'store not found', requestId: 'r' } }),
      );
      return;
    }
    proxied.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"items":[]}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  database = await createGatewayDatabase();
  gateway = await createTestGateway(database, { RECEIPT_INGEST_URL: url, ORDERS_URL: url });
  const adminEmail = uniqueEmail('admin');
  await gateway.auth.ensureAdmin(adminEmail, PASSWORD);
  adminToken = (await login(adminEmail)).body.tokens.accessToken;
});

afterAll(async () => {
  await gateway.close();
  await database.drop();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

function login(email: string) {
  return request(gateway.app).post('/auth/login').send({ email, password: PASSWORD }).expect(200);
}

async function register(label: string) {
  const email = uniqueEmail(label);
  const response = await request(gateway.app)
    .post('/auth/register')
    .send({ email, password: PASSWORD, displayName: label })
    .expect(201);
  return { email, id: response.body.user.id as string, token: response.body.tokens.accessToken as string };
}

function setRole(token: string, userId: string, body: object) {
  return request(gateway.app).put(`/admin/users/${userId}/role`).set(bearer(token)).send(body);
}

async function roleOf(userId: string) {
  return database.db
    .selectFrom('app_user')
    .select(['role', 'retailer_slug'])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
}

describe('admin: granting and revoking roles', () => {
  it('grants staff of a retailer: old tokens end, the next sign-in carries role and retailer to the services', async () => {
    const clerk = await register('clerk');
    const granted = await setRole(adminToken, clerk.id, { role: 'staff', retailer: 'fresh-fields' }).expect(
      200,
    );
    expect(granted.body).toMatchObject({ id: clerk.id, role: 'staff', retailer: 'fresh-fields' });

    await request(gateway.app).get('/orders').set(bearer(clerk.token)).expect(401);
    const again = await login(clerk.email);
    expect(again.body.user).toMatchObject({ role: 'staff', retailer: 'fresh-fields' });

    proxied.length = 0;
    await request(gateway.app)
      .get('/orders')
      .set(bearer(again.body.tokens.accessToken))
      .set('X-User-Retailer', 'value-mart')
      .set('X-User-Role', 'admin')
      .expect(200);
    expect(proxied[0]).toMatchObject({
      'x-user-id': clerk.id,
      'x-user-role': 'staff',
      'x-user-retailer': 'fresh-fields',
    });

    const listed = await request(gateway.app)
      .get('/admin/users?role=staff&retailer=fresh-fields')
      .set(bearer(adminToken))
      .expect(200);
    expect(listed.body.items.map((user: { id: string }) => user.id)).toContain(clerk.id);

    await setRole(adminToken, clerk.id, { role: 'user' }).expect(200);
    expect(await roleOf(clerk.id)).toEqual({ role: 'user', retailer_slug: null });
    await request(gateway.app).get('/orders').set(bearer(again.body.tokens.accessToken)).expect(401);
  });

  it('refuses a shopper and store staff (403) and changes nothing', async () => {
    const shopper = await register('shopper');
    const staff = await register('staff');
    await setRole(adminToken, staff.id, { role: 'staff', retailer: 'value-mart' }).expect(200);
    const staffToken = (await login(staff.email)).body.tokens.accessToken as string;
    const target = await register('target');

    for (const token of [shopper.token, staffToken]) {
      const grant = await setRole(token, target.id, { role: 'staff', retailer: 'value-mart' });
      expect(grant.status).toBe(403);
      expect(grant.body.error.code).toBe('FORBIDDEN');
      const promote = await setRole(token, token === shopper.token ? shopper.id : staff.id, {
        role: 'admin',
      });
      expect(promote.status).toBe(403);
      const list = await request(gateway.app).get('/admin/users').set(bearer(token));
      expect(list.status).toBe(403);
    }
    expect(await roleOf(target.id)).toEqual({ role: 'user', retailer_slug: null });
    expect(await roleOf(shopper.id)).toEqual({ role: 'user', retailer_slug: null });
    expect(await roleOf(staff.id)).toEqual({ role: 'staff', retailer_slug: 'value-mart' });
  });

  it('refuses staff of a retailer that does not exist, staff without a retailer, and an admin changing their own role', async () => {
    const someone = await register('someone');
    const unknown = await setRole(adminToken, someone.id, { role: 'staff', retailer: 'no-such-store' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.issues).toEqual([
      expect.objectContaining({ path: 'retailer', message: 'no retailer no-such-store' }),
    ]);
    const noRetailer = await setRole(adminToken, someone.id, { role: 'staff' });
    expect(noRetailer.status).toBe(400);
    expect(await roleOf(someone.id)).toEqual({ role: 'user', retailer_slug: null });

    const me = await request(gateway.app).get('/auth/me').set(bearer(adminToken)).expect(200);
    const self = await setRole(adminToken, me.body.id, { role: 'user' });
    expect(self.status).toBe(409);
    expect(await roleOf(me.body.id)).toEqual({ role: 'admin', retailer_slug: null });

    const missing = await setRole(adminToken, '0192f9b4-6f3c-7c1e-9d0a-4a5b6c7d8e99', { role: 'admin' });
    expect(missing.status).toBe(404);
  });
});

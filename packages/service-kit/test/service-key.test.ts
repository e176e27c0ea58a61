import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  assertManagesRetailer,
  currentUser,
  findCurrentUser,
  managesRetailer,
  requireAdmin,
  requireStaff,
  requireUser,
  serviceKeyGuard,
} from '../src/index.js';
import { buildApp, TEST_KEY, userHeaders } from './helpers.js';

function guardedApp() {
  const reached: string[] = [];
  const app = buildApp((router) => {
    router.get('/whoami', (req, res) => {
      reached.push('whoami');
      res.json({ user: findCurrentUser(req) ?? null });
    });
    router.post('/orders', (req, res) => {
      reached.push('orders');
      res.status(201).json({ body: req.body });
    });
    router.get('/me/orders', requireUser, (req, res) => {
      res.json({ userId: currentUser(req).id });
    });
    router.get('/admin/stats', requireAdmin, (_req, res) => {
      res.json({ ok: true });
    });
    router.put('/retailers/:slug/shelf', requireStaff, (req, res) => {
      assertManagesRetailer(currentUser(req), String(req.params.slug));
      res.json({ ok: true });
    });
  });
  return { app, reached };
}

describe('service-key guard', () => {
  it('rejects a request without the key with 401 before any handler runs', async () => {
    const { app, reached } = guardedApp();
    const res = await request(app).get('/whoami');
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'UNAUTHENTICATED', message: 'missing service key' });
    expect(res.body.error.requestId).toEqual(expect.any(String));
    expect(reached).toEqual([]);
  });

  it('rejects a wrong key, including one that shares a long prefix with the real key', async () => {
    const { app, reached } = guardedApp();
    for (const key of ['nope', `${TEST_KEY.slice(0, -1)}X`, `${TEST_KEY}extra`]) {
      const res = await request(app).get('/whoami').set('x-service-key', key);
      expect(res.status).toBe(401);
      expect(res.body.error.message).toBe('invalid service key');
    }
    expect(reached).toEqual([]);
  });

  it('lets a request with the right key through', async () => {
    const { app } = guardedApp();
    const res = await request(app).get('/whoami').set('x-service-key', TEST_KEY);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: null });
  });

  it('does not read the body of a request without the key', async () => {
    const { app, reached } = guardedApp();
    const res = await request(app).post('/orders').set('content-type', 'application/json').send('{not json');
    expect(res.status).toBe(401);
    expect(reached).toEqual([]);
  });

  it('keeps /health open without the key (/ready and /metrics are on the management port)', async () => {
    const { app } = guardedApp();
    expect((await request(app).get('/health')).body).toEqual({ status: 'ok' });
    expect((await request(app).get('/metrics')).status).toBe(401);
  });

  it('refuses to build with a short key', () => {
    expect(() => serviceKeyGuard('short')).toThrow(/32/);
  });
});

describe('user context', () => {
  it('never lets a forged x-user-id without the key reach a handler', async () => {
    const { app, reached } = guardedApp();
    const forged = { 'x-user-id': randomUUID(), 'x-user-role': 'admin' };
    for (const path of ['/whoami', '/me/orders', '/admin/stats']) {
      const res = await request(app).get(path).set(forged);
      expect(res.status).toBe(401);
    }
    expect(reached).toEqual([]);
  });

  it('exposes the identity asserted with a valid key', async () => {
    const { app } = guardedApp();
    const id = randomUUID();
    const res = await request(app).get('/whoami').set(userHeaders('admin', id));
    expect(res.body).toEqual({ user: { id, role: 'admin' } });
  });

  it('defaults a missing role to user', async () => {
    const { app } = guardedApp();
    const id = randomUUID();
    const res = await request(app).get('/whoami').set({ 'x-service-key': TEST_KEY, 'x-user-id': id });
    expect(res.body).toEqual({ user: { id, role: 'user' } });
  });

  it('rejects a malformed identity with 401 even when the key is right', async () => {
    const { app, reached } = guardedApp();
    const cases = [
      { 'x-user-id': 'alice' },
      { 'x-user-id': "1' or '1'='1" },
      { 'x-user-id': randomUUID(), 'x-user-role': 'superuser' },
      { 'x-user-role': 'admin' },
      // Staff are staff of one retailer: without it (or with a malformed one) they are no one.
      { 'x-user-id': randomUUID(), 'x-user-role': 'staff' },
      { 'x-user-id': randomUUID(), 'x-user-role': 'staff', 'x-user-retailer': 'Fresh Fields' },
    ];
    for (const identity of cases) {
      const res = await request(app)
        .get('/whoami')
        .set({ 'x-service-key': TEST_KEY, ...identity });
      expect(res.status).toBe(401);
      expect(res.body.error.message).toBe('malformed user identity');
    }
    expect(reached).toEqual([]);
  });

  it('requireUser answers 401 for a keyed request without a user', async () => {
    const { app } = guardedApp();
    const res = await request(app).get('/me/orders').set('x-service-key', TEST_KEY);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('requireUser lets a user through and currentUser returns them', async () => {
    const { app } = guardedApp();
    const id = randomUUID();
    const res = await request(app).get('/me/orders').set(userHeaders('user', id));
    expect(res.body).toEqual({ userId: id });
  });

  it('requireAdmin answers 403 for a plain user and 200 for an admin', async () => {
    const { app } = guardedApp();
    const asUser = await request(app).get('/admin/stats').set(userHeaders('user'));
    expect(asUser.status).toBe(403);
    expect(asUser.body.error.code).toBe('FORBIDDEN');
    const asAdmin = await request(app).get('/admin/stats').set(userHeaders('admin'));
    expect(asAdmin.status).toBe(200);
  });

  it('reads the retailer of a staff identity and ignores it for other roles', async () => {
    const { app } = guardedApp();
    const id = randomUUID();
    const staff = await request(app)
      .get('/whoami')
      .set({ ...userHeaders('staff', id), 'x-user-retailer': 'fresh-fields' });
    expect(staff.body).toEqual({ user: { id, role: 'staff', retailer: 'fresh-fields' } });
    const shopper = await request(app)
      .get('/whoami')
      .set({ ...userHeaders('user', id), 'x-user-retailer': 'fresh-fields' });
    expect(shopper.body).toEqual({ user: { id, role: 'user' } });
  });

  it('lets staff manage only their own retailer, admins every one, shoppers none', async () => {
    const { app } = guardedApp();
    const put = (headers: Record<string, string>, slug: string) =>
      request(app).put(`/retailers/${slug}/shelf`).set(headers);
    const staff = { ...userHeaders('staff'), 'x-user-retailer': 'fresh-fields' };
    expect((await put(staff, 'fresh-fields')).status).toBe(200);
    const other = await put(staff, 'value-mart');
    expect(other.status).toBe(403);
    expect(other.body.error).toMatchObject({
      code: 'FORBIDDEN',
      message: 'not staff of retailer value-mart',
    });
    expect((await put(userHeaders('admin'), 'value-mart')).status).toBe(200);
    const shopper = await put(userHeaders('user'), 'fresh-fields');
    expect(shopper.status).toBe(403);
    expect(shopper.body.error.message).toBe('store staff or admin role required');
  });

  it('keeps platform-wide (null) resources to admins', () => {
    const id = randomUUID();
    expect(managesRetailer({ id, role: 'admin' }, null)).toBe(true);
    expect(managesRetailer({ id, role: 'staff', retailer: 'fresh-fields' }, null)).toBe(false);
    expect(managesRetailer({ id, role: 'user' }, 'fresh-fields')).toBe(false);
  });
});

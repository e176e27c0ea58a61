/** Device registration and keys: shown once, hashed, wrong/revoked/rotated keys, heartbeat, rate limits. */
import { newId } from '@cartwatch/db';
import { TEST_SERVICE_KEY, testAdmin, testUser } from '@cartwatch/testing';
import { sql } from 'kysely';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { type FakeOrders, startFakeOrders } from './fake-orders.js';
import {
  asDevice,
  asUser,
  buildApp,
  createDatabase,
  knownLocation,
  registerCart,
  type TestDatabase,
} from './harness.js';

let database: TestDatabase<DB>;
let orders: FakeOrders;
let locationId: string;
const admin = testAdmin();

beforeAll(async () => {
  database = await createDatabase('cart_device_keys');
  orders = await startFakeOrders(TEST_SERVICE_KEY);
  locationId = knownLocation(orders);
});
afterAll(async () => {
  await orders.close();
  await database.drop();
});

describe('device registration', () => {
  it('refuses device registration to shoppers (403) and anonymous callers (401)', async () => {
    const app = buildApp(database, { orders });
    await request(app)
      .post('/devices')
      .set(asUser(testUser()))
      .send({ locationId, name: 'Cart' })
      .expect(403);
    await request(app).post('/devices').send({ locationId, name: 'Cart' }).expect(401);
  });

  it('rejects unknown fields with per-field issues', async () => {
    const app = buildApp(database, { orders });
    const response = await request(app)
      .post('/devices')
      .set(asUser(admin))
      .send({ locationId, name: 'Cart', secret: 'mine' })
      .expect(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(response.body.error.details.issues).toContainEqual(expect.objectContaining({ path: 'secret' }));
  });

  it('shows the key once and stores only its hash', async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    expect(cart.key).toMatch(/^cwd_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/);
    const fetched = await request(app).get(`/devices/${cart.id}`).set(asUser(admin)).expect(200);
    expect(JSON.stringify(fetched.body)).not.toContain(cart.key.slice(-43));
    const stored = await database.db
      .selectFrom('device_key')
      .selectAll()
      .where('device_id', '=', cart.id)
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.secret_hash).toHaveLength(32);
    expect(stored[0]?.secret_hash.toString('base64url')).not.toBe(cart.key.slice(-43));
  });

  it('lists devices of a location with cursor pagination', async () => {
    const app = buildApp(database, { orders });
    const location = knownLocation(orders);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await registerCart(app, admin, location, `Cart ${i}`)).id);
    const first = await request(app)
      .get(`/devices?location=${location}&limit=2`)
      .set(asUser(admin))
      .expect(200);
    expect(first.body.items.map((d: { id: string }) => d.id)).toEqual(ids.slice(0, 2));
    const second = await request(app)
      .get(`/devices?location=${location}&limit=2&cursor=${first.body.nextCursor}`)
      .set(asUser(admin))
      .expect(200);
    expect(second.body.items.map((d: { id: string }) => d.id)).toEqual(ids.slice(2));
    expect(second.body.nextCursor).toBeNull();
  });
});

describe('device keys', () => {
  it('accepts the key on heartbeat and records last_seen_at and the firmware version', async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    const response = await request(app)
      .post('/device/heartbeat')
      .set(asDevice(cart.key))
      .send({ firmwareVersion: '1.4.2' })
      .expect(200);
    expect(response.body).toMatchObject({ deviceId: cart.id, locationId, session: null });
    const device = await request(app).get(`/devices/${cart.id}`).set(asUser(admin)).expect(200);
    expect(device.body.firmwareVersion).toBe('1.4.2');
    expect(device.body.lastSeenAt).not.toBeNull();
  });

  it('rejects a wrong secret, a malformed key, a missing key and an unknown key id alike', async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    const wrongSecret = `${cart.key.slice(0, -43)}${'A'.repeat(43)}`;
    const unknownId = `cwd_${newId()}_${cart.key.slice(-43)}`;
    for (const key of [wrongSecret, unknownId, 'cwd_nonsense', cart.key.toUpperCase()]) {
      const response = await request(app).post('/device/heartbeat').set(asDevice(key)).send({}).expect(401);
      expect(response.body.error).toMatchObject({ code: 'UNAUTHENTICATED', message: 'invalid device key' });
    }
    await request(app)
      .post('/device/heartbeat')
      .set('X-Service-Key', asDevice('x')['X-Service-Key'] ?? '')
      .send({})
      .expect(401);
  });

  it('rejects a revoked device key', async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    await request(app).post('/device/heartbeat').set(asDevice(cart.key)).send({}).expect(200);
    const revoked = await request(app).post(`/devices/${cart.id}/revoke`).set(asUser(admin)).expect(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    await request(app).post('/device/heartbeat').set(asDevice(cart.key)).send({}).expect(401);
    await request(app).post(`/devices/${cart.id}/rotate-key`).set(asUser(admin)).send({}).expect(409);
  });

  it('keeps the rotated key working inside the grace period, beside the new one', async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    const rotated = await request(app)
      .post(`/devices/${cart.id}/rotate-key`)
      .set(asUser(admin))
      .send({ graceSeconds: 3600 })
      .expect(201);
    expect(Date.parse(rotated.body.previousKeysExpireAt)).toBeGreaterThan(Date.now() + 3500_000);
    await request(app).post('/device/heartbeat').set(asDevice(cart.key)).send({}).expect(200);
    await request(app).post('/device/heartbeat').set(asDevice(rotated.body.key.key)).send({}).expect(200);
  });

  it('rejects the rotated key after the grace period, and at once with a zero grace', async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    const rotated = await request(app)
      .post(`/devices/${cart.id}/rotate-key`)
      .set(asUser(admin))
      .send({ graceSeconds: 3600 })
      .expect(201);
    // The grace period passes: move the old key's expiry into the past instead of waiting an hour.
    await database.db
      .updateTable('device_key')
      .set({ expires_at: sql`now() - interval '1 second'` })
      .where('id', '=', cart.keyId)
      .execute();
    await request(app).post('/device/heartbeat').set(asDevice(cart.key)).send({}).expect(401);
    await request(app).post('/device/heartbeat').set(asDevice(rotated.body.key.key)).send({}).expect(200);

    const immediate = await request(app)
      .post(`/devices/${cart.id}/rotate-key`)
      .set(asUser(admin))
      .send({ graceSeconds: 0 })
      .expect(201);
    await request(app).post('/device/heartbeat').set(asDevice(rotated.body.key.key)).send({}).expect(401);
    await request(app).post('/device/heartbeat').set(asDevice(immediate.body.key.key)).send({}).expect(200);
  });

  it('rate-limits each device on its own, answering 429 with Retry-After', async () => {
    const app = buildApp(database, { orders, env: { DEVICE_RATE_LIMIT_PER_MINUTE: '3' } });
    const busy = await registerCart(app, admin, locationId, 'Busy');
    const quiet = await registerCart(app, admin, locationId, 'Quiet');
    for (let i = 0; i < 3; i++) await request(app).get('/device/session').set(asDevice(busy.key)).expect(200);
    const limited = await request(app).get('/device/session').set(asDevice(busy.key)).expect(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await request(app).get('/device/session').set(asDevice(quiet.key)).expect(200);
  });

  it('never lets a user identity reach the device routes without a device key', async () => {
    const app = buildApp(database, { orders });
    await request(app).get('/device/session').set(asUser(admin)).expect(401);
  });
});

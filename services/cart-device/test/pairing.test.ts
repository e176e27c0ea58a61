/** Pairing: short-lived single-use codes, one session per device and per user, unpair, idle timeout. */
import { newId } from '@cartwatch/db';
import { TEST_SERVICE_KEY, testAdmin, testUser } from '@cartwatch/testing';
import { sql } from 'kysely';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { userDeletedHandler } from '../src/events/user-deleted.handler.js';
import { type FakeOrders, startFakeOrders } from './fake-orders.js';
import {
  asDevice,
  asUser,
  buildApp,
  createDatabase,
  knownLocation,
  pair,
  pairingCodeFor,
  registerCart,
  type TestDatabase,
} from './harness.js';

let database: TestDatabase<DB>;
let orders: FakeOrders;
let locationId: string;
const admin = testAdmin();

beforeAll(async () => {
  database = await createDatabase('cart_device_pairing');
  orders = await startFakeOrders(TEST_SERVICE_KEY);
  locationId = knownLocation(orders);
});
afterAll(async () => {
  await orders.close();
  await database.drop();
});

describe('pairing codes', () => {
  it('pairs the shopper with the cart and publishes device.paired.v1', async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    const shopper = testUser();
    const code = await pairingCodeFor(app, cart);
    expect(code).toMatch(/^[A-Z2-9]{8}$/);
    const paired = await request(app).post('/devices/pair').set(asUser(shopper)).send({ code }).expect(201);
    expect(paired.body).toMatchObject({ deviceId: cart.id, userId: shopper.id, locationId });

    const status = await request(app).get('/device/session').set(asDevice(cart.key)).expect(200);
    expect(status.body.session).toMatchObject({ id: paired.body.id, userId: shopper.id });
    const mine = await request(app).get('/devices/session').set(asUser(shopper)).expect(200);
    expect(mine.body.id).toBe(paired.body.id);

    const outbox = await sql<{ payload: { type: string; data: unknown } }>`
      select payload from outbox where payload->>'subjectId' = ${cart.id}`.execute(database.db);
    expect(outbox.rows.map((row) => row.payload)).toContainEqual(
      expect.objectContaining({
        type: 'device.paired.v1',
        data: { deviceId: cart.id, userId: shopper.id, locationId, sessionId: paired.body.id },
      }),
    );
  });

  it('accepts the QR payload and ignores case and dashes', async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    const code = await pairingCodeFor(app, cart);
    const typed = `${code.slice(0, 4)}-${code.slice(4)}`.toLowerCase();
    await request(app).post('/devices/pair').set(asUser(testUser())).send({ code: typed }).expect(201);

    const other = await registerCart(app, admin, locationId);
    const qr = await request(app).post('/device/pairing-code').set(asDevice(other.key)).expect(201);
    expect(qr.body.qrPayload).toBe(`cartwatch:pair:${qr.body.code}`);
    await request(app)
      .post('/devices/pair')
      .set(asUser(testUser()))
      .send({ code: qr.body.qrPayload })
      .expect(201);
  });

  it('uses a code only once', async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    const code = await pairingCodeFor(app, cart);
    const first = testUser();
    await request(app).post('/devices/pair').set(asUser(first)).send({ code }).expect(201);
    await request(app).delete('/devices/session').set(asUser(first)).expect(204);
    const again = await request(app).post('/devices/pair').set(asUser(testUser())).send({ code }).expect(404);
    expect(again.body.error.code).toBe('NOT_FOUND');
  });

  it('refuses an expired code', async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    const code = await pairingCodeFor(app, cart);
    await database.db
      .updateTable('pairing_code')
      .set({ expires_at: sql`now() - interval '1 second'` })
      .where('device_id', '=', cart.id)
      .execute();
    await request(app).post('/devices/pair').set(asUser(testUser())).send({ code }).expect(404);
  });

  it('retires the previous code when the cart asks for a new one', async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    const old = await pairingCodeFor(app, cart);
    const current = await pairingCodeFor(app, cart);
    await request(app).post('/devices/pair').set(asUser(testUser())).send({ code: old }).expect(404);
    await request(app).post('/devices/pair').set(asUser(testUser())).send({ code: current }).expect(201);
  });

  it('limits pairing attempts per user', async () => {
    const app = buildApp(database, { orders, env: { PAIR_ATTEMPTS_PER_MINUTE: '2' } });
    const guesser = testUser();
    for (let i = 0; i < 2; i++) {
      await request(app).post('/devices/pair').set(asUser(guesser)).send({ code: 'AAAAAAAA' }).expect(404);
    }
    const limited = await request(app).post('/devices/pair').set(asUser(guesser)).send({ code: 'AAAAAAAA' });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
  });
});

describe('one session per device and per user', () => {
  it('refuses a second cart for the same user until the first is unpaired', async () => {
    const app = buildApp(database, { orders });
    const shopper = testUser();
    const first = await registerCart(app, admin, locationId);
    const second = await registerCart(app, admin, locationId);
    await pair(app, first, shopper);
    const code = await pairingCodeFor(app, second);
    const refused = await request(app).post('/devices/pair').set(asUser(shopper)).send({ code }).expect(409);
    expect(refused.body.error.details).toEqual({ deviceId: first.id });
    // The refused attempt did not use up the code.
    await request(app).delete('/devices/session').set(asUser(shopper)).expect(204);
    await request(app).post('/devices/pair').set(asUser(shopper)).send({ code }).expect(201);
  });

  it('refuses a new code while the cart is paired', async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    await pair(app, cart, testUser());
    await request(app).post('/device/pairing-code').set(asDevice(cart.key)).expect(409);
  });

  it("keeps one user's session invisible and untouchable for another user", async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    const owner = testUser();
    const stranger = testUser();
    await pair(app, cart, owner);
    await request(app).get('/devices/session').set(asUser(stranger)).expect(404);
    await request(app).delete('/devices/session').set(asUser(stranger)).expect(404);
    await request(app).get(`/devices/${cart.id}`).set(asUser(stranger)).expect(403);
    await request(app).get('/devices/session').set(asUser(owner)).expect(200);
  });
});

describe('ending a session', () => {
  it('unpairs from the cart side', async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    const shopper = testUser();
    await pair(app, cart, shopper);
    await request(app).delete('/device/session').set(asDevice(cart.key)).expect(204);
    await request(app).get('/devices/session').set(asUser(shopper)).expect(404);
    await request(app).delete('/device/session').set(asDevice(cart.key)).expect(404);
  });

  it('unpairs from the shopper side', async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    const shopper = testUser();
    await pair(app, cart, shopper);
    await request(app).delete('/devices/session').set(asUser(shopper)).expect(204);
    const status = await request(app).get('/device/session').set(asDevice(cart.key)).expect(200);
    expect(status.body.session).toBeNull();
  });

  it('ends an idle session by itself', async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    const shopper = testUser();
    const paired = await pair(app, cart, shopper);
    await database.db
      .updateTable('pairing_session')
      .set({ last_activity_at: sql`now() - interval '2 hours'` })
      .where('id', '=', paired.body.id)
      .execute();
    const status = await request(app).get('/device/session').set(asDevice(cart.key)).expect(200);
    expect(status.body.session).toBeNull();
    const row = await database.db
      .selectFrom('pairing_session')
      .select(['end_reason', 'ended_at'])
      .where('id', '=', paired.body.id)
      .executeTakeFirstOrThrow();
    expect(row.end_reason).toBe('idle');
    // Both sides are free again.
    await pair(app, cart, testUser());
  });

  it('ends the session when the device is revoked', async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    const shopper = testUser();
    await pair(app, cart, shopper);
    await request(app).post(`/devices/${cart.id}/revoke`).set(asUser(admin)).expect(200);
    await request(app).get('/devices/session').set(asUser(shopper)).expect(404);
  });

  it("purges a deleted user's sessions on user.deleted.v1", async () => {
    const app = buildApp(database, { orders });
    const cart = await registerCart(app, admin, locationId);
    const shopper = testUser();
    await pair(app, cart, shopper);
    await database.db.transaction().execute((trx) =>
      userDeletedHandler.handle(
        trx,
        {
          id: newId(),
          type: 'user.deleted.v1',
          source: 'gateway',
          occurredAt: new Date().toISOString(),
          data: { userId: shopper.id },
        },
        { working: () => {}, deliveryCount: 1 },
      ),
    );
    const left = await database.db
      .selectFrom('pairing_session')
      .select('id')
      .where('user_id', '=', shopper.id)
      .execute();
    expect(left).toEqual([]);
    const status = await request(app).get('/device/session').set(asDevice(cart.key)).expect(200);
    expect(status.body.session).toBeNull();
  });
});

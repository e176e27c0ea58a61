/** Receipts by e-mail: per-user address, HMAC signature with timestamp freshness, routing by address. */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInboundEmail } from '../src/inbound/inbound.service.js';
import { as, createHarness, createRetailer, type Harness, testUser } from './harness.js';

const SECRET = 'inbound-webhook-secret-for-tests-0123456789';
let harness: Harness;

beforeAll(async () => {
  harness = await createHarness('ingest_inbound', {
    INBOUND_EMAIL_SECRET: SECRET,
    INBOUND_EMAIL_DOMAIN: 'in.cartwatch.test',
  });
  // website https://kroger.example.test -> mail from *.kroger.example.test routes to it
  await createRetailer(harness.app, 'kroger', 'Kroger');
});
afterAll(() => harness.close());

const receiptText = [
  'KROGER',
  'MILK 2% GAL      3.49 F',
  'EGGS 12CT        4.29 F',
  'SUBTOTAL         7.78',
  '11/20/26 9:15 AM',
].join('\n');

function deliver(body: object, options: { secret?: string; timestamp?: number } = {}) {
  const raw = JSON.stringify(body);
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  return request(harness.app)
    .post('/receipts/inbound-email')
    .set(as({ id: '00000000-0000-7000-8000-000000000000' })) // the gateway's key; no user on this route
    .set('Content-Type', 'application/json')
    .set('X-Inbound-Timestamp', timestamp)
    .set('X-Inbound-Signature', signInboundEmail(options.secret ?? SECRET, timestamp, raw))
    .send(raw);
}

async function addressOf(user: { id: string }): Promise<string> {
  const response = await request(harness.app).get('/me/inbound-address').set(as(user)).expect(200);
  return response.body.address as string;
}

describe('inbound e-mail', () => {
  it('gives each user one stable private address', async () => {
    const user = testUser();
    const address = await addressOf(user);
    expect(address).toMatch(/^receipts\+[0-9a-f]{24}@in\.cartwatch\.test$/);
    expect(await addressOf(user)).toBe(address);
    expect(await addressOf(testUser())).not.toBe(address);
  });

  it("imports a signed e-mail into the address owner's purchases, once", async () => {
    const user = testUser();
    const email = {
      to: `Me <${await addressOf(user)}>`,
      from: 'receipts@mail.kroger.example.test',
      subject: 'Your receipt',
      text: receiptText,
    };
    const first = await deliver(email).expect(201);
    expect(first.body.purchase).toMatchObject({ source: 'email', storeSlug: 'kroger', totalCents: 778 });
    expect(first.body.purchase.purchasedAt).toBe('2026-11-20T09:15:00.000Z');
    const again = await deliver(email).expect(200);
    expect(again.body.purchase.id).toBe(first.body.purchase.id);
    await request(harness.app).get(`/purchases/${first.body.purchase.id}`).set(as(user)).expect(200);
    await request(harness.app).get(`/purchases/${first.body.purchase.id}`).set(as(testUser())).expect(404);
  });

  it('finds the store by name in the receipt when the sender is a forwarding user', async () => {
    const user = testUser();
    const response = await deliver({
      to: await addressOf(user),
      from: 'me@example.org',
      text: receiptText,
    }).expect(201);
    expect(response.body.purchase.storeSlug).toBe('kroger');
  });

  it('refuses bad signatures, stale timestamps and unknown addresses, writing nothing', async () => {
    const user = testUser();
    const email = { to: await addressOf(user), from: 'receipts@kroger.example.test', text: receiptText };
    const forged = await deliver(email, { secret: 'not-the-secret-not-the-secret-not-the-secret' }).expect(
      401,
    );
    expect(forged.body.error.code).toBe('UNAUTHENTICATED');
    await deliver(email, { timestamp: Math.floor(Date.now() / 1000) - 3600 }).expect(401);
    await deliver(email, { timestamp: Math.floor(Date.now() / 1000) + 3600 }).expect(401);
    await request(harness.app)
      .post('/receipts/inbound-email')
      .set(as(user))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(email))
      .expect(401);
    await deliver({ ...email, to: 'receipts+000000000000000000000000@in.cartwatch.test' }).expect(404);
    await deliver({
      ...email,
      to: (await addressOf(user)).replace('in.cartwatch.test', 'elsewhere.test'),
    }).expect(404);
    await deliver({ ...email, extra: true }).expect(400);
    await deliver({ ...email, from: 'x@unknown.test', text: 'GROCER\nMILK 1.00' }).expect(422);
    const list = await request(harness.app).get('/purchases').set(as(user)).expect(200);
    expect(list.body.items).toEqual([]);
  });

  it("rotates the user's address: the new one imports, the old one is refused, other users unaffected", async () => {
    const user = testUser();
    const other = testUser();
    const old = await addressOf(user);
    const otherAddress = await addressOf(other);
    const rotated = await request(harness.app).post('/me/inbound-address/rotate').set(as(user)).expect(200);
    const fresh = rotated.body.address as string;
    expect(fresh).toMatch(/^receipts\+[0-9a-f]{24}@in\.cartwatch\.test$/);
    expect(fresh).not.toBe(old);
    expect(await addressOf(user)).toBe(fresh);
    expect(await addressOf(other)).toBe(otherAddress);

    const email = { from: 'receipts@kroger.example.test', text: receiptText };
    const refused = await deliver({ ...email, to: old }).expect(404);
    expect(refused.body.error.code).toBe('NOT_FOUND');
    expect((await request(harness.app).get('/purchases').set(as(user)).expect(200)).body.items).toEqual([]);
    const accepted = await deliver({ ...email, to: fresh }).expect(201);
    await request(harness.app).get(`/purchases/${accepted.body.purchase.id}`).set(as(user)).expect(200);
    const toOther = await deliver({ ...email, to: otherAddress }).expect(201);
    await request(harness.app).get(`/purchases/${toOther.body.purchase.id}`).set(as(other)).expect(200);
    await request(harness.app).post('/me/inbound-address/rotate').expect(401);
  });
});

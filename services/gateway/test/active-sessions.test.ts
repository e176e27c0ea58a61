/**
 * Active sessions (GET /auth/sessions, DELETE /auth/sessions/{id}): a user sees their signed-in devices
 * with a readable label, a coarse address and which one is theirs, and signs one out; its refresh token
 * and access tokens stop working at once. Another user can neither see nor end them (404).
 */
import { type TestDatabase, uniqueEmail, uniqueSuffix } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import {
  createGatewayDatabase,
  createTestGateway,
  type RecordedRequest,
  startRecordingUpstream,
  type TestGateway,
} from './harness.js';

const PASSWORD = 'correct horse battery staple';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

let database: TestDatabase<DB>;
let gateway: TestGateway;
let upstream: { url: string; requests: RecordedRequest[]; close(): Promise<void> };

beforeAll(async () => {
  database = await createGatewayDatabase();
  upstream = await startRecordingUpstream();
  gateway = await createTestGateway(database, {
    RATE_LIMIT_KEY_PREFIX: `test:${uniqueSuffix()}`,
    PRICE_WATCH_URL: upstream.url,
  });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await database.drop();
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

async function register(userAgent = FIREFOX_WINDOWS): Promise<{ email: string } & Tokens> {
  const email = uniqueEmail();
  const response = await request(gateway.app)
    .post('/auth/register')
    .set('User-Agent', userAgent)
    .send({ email, password: PASSWORD, displayName: 'Sam' })
    .expect(201);
  return { email, ...response.body.tokens };
}

async function login(email: string, userAgent: string): Promise<Tokens> {
  const response = await request(gateway.app)
    .post('/auth/login')
    .set('User-Agent', userAgent)
    .send({ email, password: PASSWORD })
    .expect(200);
  return response.body.tokens;
}

interface Listed {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  device: string;
  userAgent: string | null;
  ipNetwork: string | null;
  current: boolean;
}

async function sessionsOf(token: string): Promise<Listed[]> {
  const response = await request(gateway.app).get('/auth/sessions').set(bearer(token)).expect(200);
  expect(response.headers['cache-control']).toBe('no-store');
  return response.body.sessions;
}

describe('active sessions', () => {
  it("lists the account's devices with a readable label, a coarse address and the caller's own marked current", async () => {
    const desktop = await register(FIREFOX_WINDOWS);
    const phone = await login(desktop.email, IPHONE);

    const fromPhone = await sessionsOf(phone.accessToken);
    expect(fromPhone).toHaveLength(2);
    expect(fromPhone[0]).toMatchObject({
      current: true,
      device: 'Safari 17 on iOS 17 (mobile)',
      userAgent: IPHONE,
      ipNetwork: '127.0.0.0/24',
    });
    expect(fromPhone[1]).toMatchObject({
      current: false,
      device: 'Firefox 133 on Windows 10 (desktop)',
      userAgent: FIREFOX_WINDOWS,
    });
    for (const session of fromPhone) {
      expect(Date.parse(session.createdAt)).not.toBeNaN();
      expect(Date.parse(session.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(session.createdAt));
    }

    // From the other device, the same two sessions, the other one current.
    const fromDesktop = await sessionsOf(desktop.accessToken);
    expect(fromDesktop.map((s) => s.id).sort()).toEqual(fromPhone.map((s) => s.id).sort());
    expect(fromDesktop[0]).toMatchObject({ id: fromPhone[1]?.id, current: true });
  });

  it('names a client that is not a browser by its product token, and one without a user agent as unknown', async () => {
    const account = await register('curl/8.5.0');
    await request(gateway.app)
      .post('/auth/login')
      .unset('User-Agent')
      .send({ email: account.email, password: PASSWORD })
      .expect(200);
    const devices = (await sessionsOf(account.accessToken)).map((s) => s.device).sort();
    expect(devices).toEqual(['Unknown device', 'curl/8.5.0']);
  });

  it('signs one session out: its refresh token and access tokens stop working, the caller keeps working', async () => {
    const desktop = await register(FIREFOX_WINDOWS);
    const phone = await login(desktop.email, IPHONE);
    // The phone's access token works on a proxied route before.
    expect((await request(gateway.app).get('/watches').set(bearer(phone.accessToken))).status).toBe(200);

    const phoneSession = (await sessionsOf(phone.accessToken))[0];
    await request(gateway.app)
      .delete(`/auth/sessions/${phoneSession?.id}`)
      .set(bearer(desktop.accessToken))
      .expect(204);

    const before = upstream.requests.length;
    expect((await request(gateway.app).get('/watches').set(bearer(phone.accessToken))).status).toBe(401);
    expect(upstream.requests.length).toBe(before);
    await request(gateway.app).get('/auth/sessions').set(bearer(phone.accessToken)).expect(401);
    await request(gateway.app).post('/auth/refresh').send({ refreshToken: phone.refreshToken }).expect(401);

    const left = await sessionsOf(desktop.accessToken);
    expect(left).toHaveLength(1);
    expect(left[0]?.current).toBe(true);
    expect((await request(gateway.app).get('/watches').set(bearer(desktop.accessToken))).status).toBe(200);

    // Ended already: not found the second time.
    const again = await request(gateway.app)
      .delete(`/auth/sessions/${phoneSession?.id}`)
      .set(bearer(desktop.accessToken))
      .expect(404);
    expect(again.body.error).toMatchObject({ code: 'NOT_FOUND' });
  });

  it("signing the caller's own session out clears its refresh cookie and ends it", async () => {
    const account = await register();
    const [own] = await sessionsOf(account.accessToken);
    const response = await request(gateway.app)
      .delete(`/auth/sessions/${own?.id}`)
      .set(bearer(account.accessToken))
      .expect(204);
    expect(response.headers['set-cookie']?.[0]).toMatch(/^cw_refresh=;.*Expires=Thu, 01 Jan 1970/);
    await request(gateway.app).get('/auth/me').set(bearer(account.accessToken)).expect(401);
  });

  it("another user can neither list nor sign out someone else's session (404, nothing ends)", async () => {
    const owner = await register();
    const stranger = await register();
    const [ownerSession] = await sessionsOf(owner.accessToken);

    const strangers = await sessionsOf(stranger.accessToken);
    expect(strangers).toHaveLength(1);
    expect(strangers.map((s) => s.id)).not.toContain(ownerSession?.id);

    const refused = await request(gateway.app)
      .delete(`/auth/sessions/${ownerSession?.id}`)
      .set(bearer(stranger.accessToken))
      .expect(404);
    expect(refused.body.error).toMatchObject({ code: 'NOT_FOUND', requestId: expect.any(String) });
    // The owner's session is untouched.
    expect(await sessionsOf(owner.accessToken)).toHaveLength(1);
    await request(gateway.app).post('/auth/refresh').send({ refreshToken: owner.refreshToken }).expect(200);
  });

  it('does not list sessions that ended (logout) and answers sign out everywhere with no sessions left', async () => {
    const account = await register();
    const other = await login(account.email, IPHONE);
    await request(gateway.app).post('/auth/logout').set(bearer(other.accessToken)).expect(204);
    expect(await sessionsOf(account.accessToken)).toHaveLength(1);

    const third = await login(account.email, IPHONE);
    await request(gateway.app).post('/auth/logout-all').set(bearer(account.accessToken)).expect(204);
    await request(gateway.app).get('/auth/sessions').set(bearer(third.accessToken)).expect(401);
    const fresh = await login(account.email, IPHONE);
    expect(await sessionsOf(fresh.accessToken)).toHaveLength(1);
  });

  it('refuses a malformed session id (400) and an anonymous caller (401)', async () => {
    const account = await register();
    const bad = await request(gateway.app)
      .delete('/auth/sessions/not-a-uuid')
      .set(bearer(account.accessToken))
      .expect(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    await request(gateway.app).get('/auth/sessions').expect(401);
    await request(gateway.app).delete(`/auth/sessions/${crypto.randomUUID()}`).expect(401);
  });
});

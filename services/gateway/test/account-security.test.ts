/**
 * Issue #17, second factors and account changes, and limits, through the gateway app:
 * - a code login satisfies the account's second factor only with that factor;
 * - changing e-mail, phone or second factor needs a recent re-authentication;
 * - a phone counts only once an SMS code proved it, and belongs to one account;
 * - reset and code-login start never reveal whether an account exists, not even by timing: they answer
 *   before looking anything up (proven with the code table locked);
 * - registration is limited per client; lockout is per account and client, so a stranger cannot lock
 *   the owner out; every signed-in gateway route takes a point of the user's limit; refresh is limited
 *   per session, not per IP; the device API is limited per IP before any key is looked at.
 */
import { type TestDatabase, uniqueEmail } from '@cartwatch/testing';
import { sql } from 'kysely';
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

let database: TestDatabase<DB>;
let gateway: TestGateway;

beforeAll(async () => {
  database = await createGatewayDatabase();
  gateway = await createTestGateway(database, { TRUST_PROXY: '1' });
});

afterAll(async () => {
  await gateway.close();
  await database.drop();
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
let phoneCounter = 0;
const newPhone = () => `+4915${String(Date.now()).slice(-7)}${String(++phoneCounter).padStart(2, '0')}`;

interface Account {
  id: string;
  email: string;
  token: string;
  sessionId: string;
}

async function register(target = gateway, ip = '198.51.100.7'): Promise<Account> {
  const email = uniqueEmail();
  const response = await request(target.app)
    .post('/auth/register')
    .set('X-Forwarded-For', ip)
    .send({ email, password: PASSWORD, displayName: 'Ada' })
    .expect(201);
  const token = response.body.tokens.accessToken as string;
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    sid: string;
  };
  return { id: response.body.user.id, email, token, sessionId: claims.sid };
}

async function verifiedAccount(): Promise<Account> {
  const account = await register();
  await request(gateway.app)
    .post('/auth/verify-email')
    .set(bearer(account.token))
    .send({ code: await gateway.codeSentTo(account.email) })
    .expect(200);
  return account;
}

async function withVerifiedPhone(account: Account): Promise<string> {
  const phone = newPhone();
  await request(gateway.app).post('/auth/phone').set(bearer(account.token)).send({ phone }).expect(202);
  await request(gateway.app)
    .post('/auth/phone/verify')
    .set(bearer(account.token))
    .send({ code: await gateway.codeSentTo(phone) })
    .expect(200);
  return phone;
}

/** Makes the session's last proof of identity `minutes` old. */
async function ageReauthentication(account: Account, minutes: number) {
  await database.db
    .updateTable('session')
    .set({ reauthenticated_at: new Date(Date.now() - minutes * 60_000) })
    .where('id', '=', account.sessionId)
    .execute();
}

describe('second factors hold', () => {
  it('an e-mail code login of an account whose second factor is SMS asks for the SMS code', async () => {
    const account = await verifiedAccount();
    const phone = await withVerifiedPhone(account);
    await request(gateway.app)
      .patch('/auth/me')
      .set(bearer(account.token))
      .send({ secondFactor: 'sms' })
      .expect(200);

    await request(gateway.app).post('/auth/otp/start').send({ channel: 'email', destination: account.email });
    const byEmail = await request(gateway.app)
      .post('/auth/otp/verify')
      .send({ channel: 'email', destination: account.email, code: await gateway.codeSentTo(account.email) });
    expect(byEmail.status).toBe(202);
    expect(byEmail.body).toMatchObject({ secondFactorRequired: true, channel: 'sms' });
    expect(byEmail.body.tokens).toBeUndefined();
    const session = await request(gateway.app)
      .post('/auth/otp/verify')
      .send({ challengeId: byEmail.body.challengeId, code: await gateway.codeSentTo(phone) })
      .expect(200);
    expect(session.body.user.id).toBe(account.id);

    // A code texted to the verified phone is that factor itself.
    await request(gateway.app).post('/auth/otp/start').send({ channel: 'sms', destination: phone });
    const bySms = await request(gateway.app)
      .post('/auth/otp/verify')
      .send({ channel: 'sms', destination: phone, code: await gateway.codeSentTo(phone) })
      .expect(200);
    expect(bySms.body.user.id).toBe(account.id);
  });
});

describe('account changes need a recent re-authentication', () => {
  it('refuses e-mail, phone and second-factor changes with a stale session until it proves the password', async () => {
    const account = await verifiedAccount();
    await ageReauthentication(account, 10);
    const attempts = [
      request(gateway.app).patch('/auth/me').set(bearer(account.token)).send({ secondFactor: 'email' }),
      request(gateway.app).post('/auth/phone').set(bearer(account.token)).send({ phone: newPhone() }),
      request(gateway.app).post('/auth/email').set(bearer(account.token)).send({ email: uniqueEmail() }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(403);
      expect(response.body.error).toMatchObject({ code: 'FORBIDDEN', details: { reauthenticate: true } });
    }
    const row = await database.db
      .selectFrom('app_user')
      .select(['second_factor', 'email'])
      .where('id', '=', account.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ second_factor: null, email: account.email });

    await request(gateway.app)
      .post('/auth/reauthenticate')
      .set(bearer(account.token))
      .send({ password: 'not the password' })
      .expect(422);
    await request(gateway.app)
      .post('/auth/reauthenticate')
      .set(bearer(account.token))
      .send({ password: PASSWORD })
      .expect(204);
    await request(gateway.app)
      .patch('/auth/me')
      .set(bearer(account.token))
      .send({ secondFactor: 'email' })
      .expect(200);
  });

  it('re-authenticates with an e-mailed code, then changes the e-mail through a code sent to the new address', async () => {
    const account = await verifiedAccount();
    const other = await request(gateway.app)
      .post('/auth/login')
      .send({ email: account.email, password: PASSWORD });
    await ageReauthentication(account, 10);
    await request(gateway.app)
      .post('/auth/reauthenticate/code')
      .set(bearer(account.token))
      .send({})
      .expect(202);
    await request(gateway.app)
      .post('/auth/reauthenticate')
      .set(bearer(account.token))
      .send({ code: await gateway.codeSentTo(account.email) })
      .expect(204);
    const newEmail = uniqueEmail('moved');
    await request(gateway.app)
      .post('/auth/email')
      .set(bearer(account.token))
      .send({ email: newEmail })
      .expect(202);
    const changed = await request(gateway.app)
      .post('/auth/email/verify')
      .set(bearer(account.token))
      .send({ code: await gateway.codeSentTo(newEmail) })
      .expect(200);
    expect(changed.body).toMatchObject({ email: newEmail, emailVerified: true });
    // The old address is told (by the delivery worker), and the account's other sessions end.
    await gateway.deliver();
    expect(gateway.notifier.emails.at(-1)).toMatchObject({
      to: account.email,
      subject: 'Your CartWatch e-mail address was changed',
    });
    await request(gateway.app)
      .post('/auth/refresh')
      .send({ refreshToken: other.body.tokens.refreshToken })
      .expect(401);
  });
});

describe('phones are verified before they count', () => {
  it('never takes a phone from PATCH /auth/me', async () => {
    const account = await verifiedAccount();
    const response = await request(gateway.app)
      .patch('/auth/me')
      .set(bearer(account.token))
      .send({ phone: newPhone(), secondFactor: 'sms' });
    expect(response.status).toBe(400);
    const sms = await request(gateway.app)
      .patch('/auth/me')
      .set(bearer(account.token))
      .send({ secondFactor: 'sms' });
    expect(sms.status).toBe(422);
  });

  it('refuses a phone for an account whose e-mail is unverified', async () => {
    const account = await register();
    const response = await request(gateway.app)
      .post('/auth/phone')
      .set(bearer(account.token))
      .send({ phone: newPhone() });
    expect(response.status).toBe(422);
    expect(response.body.error.message).toBe('verify your e-mail address first');
  });

  it('does not log in by a phone that was never verified, and gives a verified phone to one account only', async () => {
    const owner = await verifiedAccount();
    const phone = newPhone();
    await request(gateway.app).post('/auth/phone').set(bearer(owner.token)).send({ phone }).expect(202);
    const pendingCode = await gateway.codeSentTo(phone);
    // Not verified yet: an SMS login to it sends nothing and logs no one in.
    const textsBefore = gateway.notifier.texts.length;
    await request(gateway.app)
      .post('/auth/otp/start')
      .send({ channel: 'sms', destination: phone })
      .expect(202);
    await gateway.auth.idle();
    expect(gateway.notifier.texts.length).toBe(textsBefore);
    await request(gateway.app)
      .post('/auth/otp/verify')
      .send({ channel: 'sms', destination: phone, code: pendingCode })
      .expect(401);

    await request(gateway.app)
      .post('/auth/phone/verify')
      .set(bearer(owner.token))
      .send({ code: pendingCode })
      .expect(200);

    const squatter = await verifiedAccount();
    await request(gateway.app).post('/auth/phone').set(bearer(squatter.token)).send({ phone }).expect(202);
    const taken = await request(gateway.app)
      .post('/auth/phone/verify')
      .set(bearer(squatter.token))
      .send({ code: await gateway.codeSentTo(phone) });
    expect(taken.status).toBe(409);
    const phones = await database.db.selectFrom('app_user').select('id').where('phone', '=', phone).execute();
    expect(phones).toEqual([{ id: owner.id }]);
  });
});

describe('whether an account exists is never revealed', () => {
  /** Holds an exclusive lock on the code table: any request that reads or writes codes waits. */
  async function withCodesLocked<T>(run: () => Promise<T>): Promise<T> {
    return database.db.transaction().execute(async (trx) => {
      await sql`lock table one_time_code in access exclusive mode`.execute(trx);
      return run();
    });
  }

  it('reset and code-login start answer alike for known and unknown accounts, before looking anything up', async () => {
    const known = await verifiedAccount();
    const answers = await withCodesLocked(() =>
      Promise.all(
        [
          ['/auth/password-reset/start', { email: known.email }],
          ['/auth/password-reset/start', { email: uniqueEmail('nobody') }],
          ['/auth/otp/start', { channel: 'email', destination: known.email }],
          ['/auth/otp/start', { channel: 'email', destination: uniqueEmail('nobody') }],
        ].map(([path, body]) =>
          request(gateway.app)
            .post(path as string)
            .send(body as object)
            .timeout(5_000),
        ),
      ),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ accepted: true });
    }
    // The work ran after the answers: the code was sent once the lock was gone.
    expect(await gateway.codeSentTo(known.email)).toMatch(/^\d{6}$/);
  });
});

describe('limits', () => {
  let limited: TestGateway;
  let upstream: { url: string; requests: RecordedRequest[]; close(): Promise<void> };

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    limited = await createTestGateway(database, {
      TRUST_PROXY: '1',
      AUTH_REGISTER_PER_HOUR: '3',
      AUTH_IP_PER_15_MINUTES: '4',
      AUTH_ACCOUNT_MAX_FAILURES: '3',
      AUTH_REFRESH_PER_MINUTE: '2',
      RATE_LIMIT_USER_PER_MINUTE: '4',
      RATE_LIMIT_DEVICE_IP_PER_MINUTE: '3',
      CART_DEVICE_URL: upstream.url,
    });
  });

  afterAll(async () => {
    await limited.close();
    await upstream.close();
  });

  it('limits registration per client', async () => {
    for (let i = 0; i < 3; i++) await register(limited, '203.0.113.10');
    const fourth = await request(limited.app)
      .post('/auth/register')
      .set('X-Forwarded-For', '203.0.113.10')
      .send({ email: uniqueEmail(), password: PASSWORD, displayName: 'Late' });
    expect(fourth.status).toBe(429);
    expect(fourth.body.error.code).toBe('RATE_LIMITED');
    await register(limited, '203.0.113.11');
  });

  it('a stranger failing from one address locks only that address out; the owner still signs in', async () => {
    const owner = await register(limited, '203.0.113.20');
    const attempt = (ip: string, password: string) =>
      request(limited.app)
        .post('/auth/login')
        .set('X-Forwarded-For', ip)
        .send({ email: owner.email, password });
    for (let i = 0; i < 3; i++) expect((await attempt('192.0.2.66', 'wrong password!!')).status).toBe(401);
    const stranger = await attempt('192.0.2.66', PASSWORD);
    expect(stranger.status).toBe(429);
    expect(stranger.body.error.message).toBe('too many failed attempts; try again later');
    expect(Number(stranger.headers['retry-after'])).toBeGreaterThan(0);
    expect((await attempt('203.0.113.20', PASSWORD)).status).toBe(200);
  });

  it("takes a point of the user's limit on the gateway's own routes", async () => {
    const account = await register(limited, '203.0.113.30');
    const statuses: number[] = [];
    for (const path of ['/auth/me', '/me', '/me/notifications', '/auth/me', '/me']) {
      statuses.push((await request(limited.app).get(path).set(bearer(account.token))).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });

  it('limits refresh per session, not per address', async () => {
    const refreshTokenOf = async () => {
      const account = await register(limited, '203.0.113.40');
      const response = await request(limited.app)
        .post('/auth/login')
        .set('X-Forwarded-For', '203.0.113.42')
        .send({ email: account.email, password: PASSWORD });
      return response.body.tokens.refreshToken as string;
    };
    const tokens = [await refreshTokenOf(), await refreshTokenOf(), await refreshTokenOf()];
    const refresh = (token: string) =>
      request(limited.app)
        .post('/auth/refresh')
        .set('X-Forwarded-For', '203.0.113.99')
        .send({ refreshToken: token });
    // Six refreshes from one address, above its credential limit (4): two per session all pass.
    for (let round = 0; round < 2; round++) {
      for (const [i, token] of tokens.entries()) {
        tokens[i] = (await refresh(token).expect(200)).body.tokens.refreshToken;
      }
    }
    const third = await refresh(tokens[0] as string);
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('RATE_LIMITED');
  });

  it('limits the device API per address before any key check, whatever keys are presented', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await request(limited.app)
        .post('/device/heartbeat')
        .set('X-Forwarded-For', '198.18.0.5')
        .set('Authorization', `Bearer cwd_bogus${i}_${'x'.repeat(20)}`)
        .send({});
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(upstream.requests.filter((r) => r.url === '/device/heartbeat')).toHaveLength(3);
  });
});

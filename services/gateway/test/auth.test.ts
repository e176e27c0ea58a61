/**
 * Accounts and tokens end to end through the HTTP app: registration, verification, login, refresh
 * rotation with replay detection, logout, password change and reset, one-time codes, lockout, and the
 * stored argon2id parameters. Real Postgres and Redis.
 */

import type { TestDatabase } from '@cartwatch/testing';
import { uniqueEmail } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { createGatewayDatabase, createTestGateway, type TestGateway } from './harness.js';

const PASSWORD = 'correct horse battery staple';

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

async function register(email = uniqueEmail(), target = gateway) {
  const response = await request(target.app)
    .post('/auth/register')
    .send({ email, password: PASSWORD, displayName: 'Ada' })
    .expect(201);
  return {
    email,
    ...(response.body as { user: { id: string }; tokens: { accessToken: string; refreshToken: string } }),
  };
}

async function login(email: string, password = PASSWORD, target = gateway) {
  return request(target.app).post('/auth/login').send({ email, password });
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('accounts', () => {
  it('registers, verifies, logs in, rotates, and revokes the whole family when a used refresh token is replayed', async () => {
    const { email, user, tokens } = await register();
    expect(user).toMatchObject({ email, emailVerified: false, displayName: 'Ada', role: 'user' });

    const verified = await request(gateway.app)
      .post('/auth/verify-email')
      .set(bearer(tokens.accessToken))
      .send({ code: await gateway.codeSentTo(email) })
      .expect(200);
    expect(verified.body.emailVerified).toBe(true);

    const loggedIn = await login(email);
    expect(loggedIn.status).toBe(200);
    expect(loggedIn.headers['set-cookie']?.[0]).toMatch(
      /^cw_refresh=.*Path=\/auth; .*HttpOnly; Secure; SameSite=Strict/,
    );
    const first = loggedIn.body.tokens;

    const me = await request(gateway.app).get('/me').set(bearer(first.accessToken)).expect(200);
    expect(me.body).toMatchObject({ id: user.id, email, emailVerified: true });

    const rotated = await request(gateway.app)
      .post('/auth/refresh')
      .send({ refreshToken: first.refreshToken })
      .expect(200);
    const second = rotated.body.tokens;
    expect(second.refreshToken).not.toBe(first.refreshToken);

    // Replaying the used token revokes the family: the old and the new refresh token both fail.
    await request(gateway.app).post('/auth/refresh').send({ refreshToken: first.refreshToken }).expect(401);
    await request(gateway.app).post('/auth/refresh').send({ refreshToken: second.refreshToken }).expect(401);
    await request(gateway.app).get('/auth/me').set(bearer(second.accessToken)).expect(401);

    const again = await login(email);
    expect(again.status).toBe(200);
    await request(gateway.app).get('/auth/me').set(bearer(again.body.tokens.accessToken)).expect(200);
  });

  it('refreshes from the HttpOnly cookie', async () => {
    const { tokens } = await register();
    const response = await request(gateway.app)
      .post('/auth/refresh')
      .set('Cookie', `cw_refresh=${tokens.refreshToken}`)
      .send({})
      .expect(200);
    expect(response.body.tokens.refreshToken).not.toBe(tokens.refreshToken);
  });

  it('rejects a duplicate e-mail with 409 and unknown fields with 400', async () => {
    const { email } = await register();
    const duplicate = await request(gateway.app)
      .post('/auth/register')
      .send({ email: email.toUpperCase(), password: PASSWORD, displayName: 'Eve' });
    expect(duplicate.status).toBe(409);
    const unknownField = await request(gateway.app)
      .post('/auth/register')
      .send({ email: uniqueEmail(), password: PASSWORD, displayName: 'Eve', role: 'admin' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('logs out one session: its refresh token and access to /auth/me end', async () => {
    const { tokens } = await register();
    await request(gateway.app).post('/auth/logout').set(bearer(tokens.accessToken)).expect(204);
    await request(gateway.app).post('/auth/refresh').send({ refreshToken: tokens.refreshToken }).expect(401);
    await request(gateway.app).get('/auth/me').set(bearer(tokens.accessToken)).expect(401);
  });

  it('logs out every session with logout-all', async () => {
    const { email, tokens } = await register();
    const other = (await login(email)).body.tokens;
    await request(gateway.app).post('/auth/logout-all').set(bearer(tokens.accessToken)).expect(204);
    await request(gateway.app).post('/auth/refresh').send({ refreshToken: tokens.refreshToken }).expect(401);
    await request(gateway.app).post('/auth/refresh').send({ refreshToken: other.refreshToken }).expect(401);
  });

  it('ends other sessions when the password changes, and keeps the current one', async () => {
    const { email, tokens } = await register();
    const other = (await login(email)).body.tokens;
    await request(gateway.app)
      .post('/auth/password')
      .set(bearer(tokens.accessToken))
      .send({ currentPassword: PASSWORD, newPassword: 'a brand new passphrase' })
      .expect(204);
    await request(gateway.app).post('/auth/refresh').send({ refreshToken: other.refreshToken }).expect(401);
    await request(gateway.app).post('/auth/refresh').send({ refreshToken: tokens.refreshToken }).expect(200);
    expect((await login(email)).status).toBe(401);
    expect((await login(email, 'a brand new passphrase')).status).toBe(200);
  });

  it('resets a forgotten password with an e-mailed code and ends every session', async () => {
    const { email, tokens } = await register();
    await request(gateway.app).post('/auth/password-reset/start').send({ email }).expect(202);
    const code = await gateway.codeSentTo(email);
    await request(gateway.app)
      .post('/auth/password-reset/complete')
      .send({ email, code: code === '000000' ? '111111' : '000000', newPassword: 'reset passphrase one' })
      .expect(422);
    await request(gateway.app)
      .post('/auth/password-reset/complete')
      .send({ email, code, newPassword: 'reset passphrase one' })
      .expect(204);
    await request(gateway.app).post('/auth/refresh').send({ refreshToken: tokens.refreshToken }).expect(401);
    expect((await login(email, 'reset passphrase one')).status).toBe(200);
    // The code is single-use.
    await request(gateway.app)
      .post('/auth/password-reset/complete')
      .send({ email, code, newPassword: 'reset passphrase two' })
      .expect(422);
  });

  it('answers a reset request for an unknown e-mail exactly like a known one', async () => {
    const response = await request(gateway.app)
      .post('/auth/password-reset/start')
      .send({ email: uniqueEmail('nobody') });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ accepted: true });
  });

  it('logs in without a password through an e-mailed one-time code', async () => {
    const { email, user } = await register();
    await request(gateway.app)
      .post('/auth/otp/start')
      .send({ channel: 'email', destination: email })
      .expect(202);
    const code = await gateway.codeSentTo(email);
    const response = await request(gateway.app)
      .post('/auth/otp/verify')
      .send({ channel: 'email', destination: email, code })
      .expect(200);
    expect(response.body.user.id).toBe(user.id);
    await request(gateway.app)
      .post('/auth/otp/verify')
      .send({ channel: 'email', destination: email, code })
      .expect(401);
  });

  it('burns a one-time code after the allowed number of wrong guesses', async () => {
    const { email } = await register();
    await request(gateway.app)
      .post('/auth/otp/start')
      .send({ channel: 'email', destination: email })
      .expect(202);
    const code = await gateway.codeSentTo(email);
    const wrong = code === '123456' ? '654321' : '123456';
    for (let attempt = 0; attempt < 5; attempt++) {
      const response = await request(gateway.app)
        .post('/auth/otp/verify')
        .send({ channel: 'email', destination: email, code: wrong });
      expect([401, 429]).toContain(response.status);
    }
    const late = await request(gateway.app)
      .post('/auth/otp/verify')
      .send({ channel: 'email', destination: email, code });
    expect(late.status).not.toBe(200);
  });

  it('asks for a second factor when the account has one, and finishes the login with the code', async () => {
    const { email, tokens } = await register();
    await request(gateway.app)
      .patch('/auth/me')
      .set(bearer(tokens.accessToken))
      .send({ secondFactor: 'email' })
      .expect(200);
    const first = await login(email);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ secondFactorRequired: true, channel: 'email' });
    expect(first.body.tokens).toBeUndefined();
    const session = await request(gateway.app)
      .post('/auth/otp/verify')
      .send({ challengeId: first.body.challengeId, code: await gateway.codeSentTo(email) })
      .expect(200);
    expect(session.body.tokens.accessToken).toEqual(expect.any(String));
  });

  it('stores argon2id hashes with the configured parameters and upgrades them on login', async () => {
    const { email, user } = await register();
    const stored = await database.db
      .selectFrom('app_user')
      .select('password_hash')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);

    const stronger = await createTestGateway(database, { ARGON2_TIME_COST: '3', ARGON2_MEMORY_KIB: '20480' });
    try {
      expect((await login(email, PASSWORD, stronger)).status).toBe(200);
      const upgraded = await database.db
        .selectFrom('app_user')
        .select('password_hash')
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow();
      expect(upgraded.password_hash).toMatch(/^\$argon2id\$v=19\$m=20480,p=1,t=3\$/);
      expect((await login(email, PASSWORD, stronger)).status).toBe(200);
    } finally {
      await stronger.close();
    }
  });

  it('deletes the account and writes user.deleted.v1 to the outbox in the same transaction', async () => {
    const { email, user, tokens } = await register();
    await request(gateway.app)
      .delete('/auth/me')
      .set(bearer(tokens.accessToken))
      .send({ password: 'wrong password!' })
      .expect(422);
    await request(gateway.app)
      .delete('/auth/me')
      .set(bearer(tokens.accessToken))
      .send({ password: PASSWORD })
      .expect(204);
    expect((await login(email)).status).toBe(401);
    const events = await database.db
      .selectFrom('outbox' as never)
      .select(['type' as never, 'payload' as never])
      .execute();
    const deleted = (
      events as { type: string; payload: { userId?: string; data: { userId: string } } }[]
    ).filter((event) => event.type === 'user.deleted.v1' && event.payload.data.userId === user.id);
    expect(deleted).toHaveLength(1);
  });

  it('creates the first admin once and never promotes a self-registered account', async () => {
    const email = uniqueEmail('admin');
    expect(await gateway.auth.ensureAdmin(email, 'admin passphrase 1')).toBe('created');
    expect(await gateway.auth.ensureAdmin(email, 'admin passphrase 1')).toBe('exists');
    const admin = await login(email, 'admin passphrase 1');
    expect(admin.body.user.role).toBe('admin');
    const { email: squatter } = await register();
    expect(await gateway.auth.ensureAdmin(squatter, 'admin passphrase 1')).toBe('taken-by-user');
  });
});

describe('brute force', () => {
  it('locks an account after repeated wrong passwords with 429 and Retry-After, while other accounts still log in', async () => {
    const { email } = await register();
    const { email: other } = await register();
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await login(email, 'wrong password!!')).status).toBe(401);
    }
    const locked = await login(email);
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('RATE_LIMITED');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login(other)).status).toBe(200);
  });

  it('answers an unknown e-mail exactly like a wrong password', async () => {
    const { email } = await register();
    const wrong = await login(email, 'wrong password!!');
    const unknown = await login(uniqueEmail('nobody'), 'wrong password!!');
    expect(unknown.status).toBe(wrong.status);
    const { requestId: _a, ...wrongError } = wrong.body.error;
    const { requestId: _b, ...unknownError } = unknown.body.error;
    expect(unknownError).toEqual(wrongError);
  });

  it('limits credential attempts per IP', async () => {
    const limited = await createTestGateway(database, { AUTH_IP_PER_15_MINUTES: '3' });
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        expect((await login(uniqueEmail(), 'whatever password', limited)).status).toBe(401);
      }
      const response = await login(uniqueEmail(), 'whatever password', limited);
      expect(response.status).toBe(429);
      expect(response.headers['retry-after']).toBeDefined();
    } finally {
      await limited.close();
    }
  });
});

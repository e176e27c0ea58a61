/**
 * Access tokens are EdDSA only, with issuer, audience, expiry and kid checked: every forgery below is a
 * 401 at the gateway's own routes and before any proxying. Keys rotate without logging anyone out.
 */
import { createHmac } from 'node:crypto';
import { type TestDatabase, uniqueEmail } from '@cartwatch/testing';
import { type JWK, SignJWT } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { generateSigningJwk } from '../src/tokens/signing-keys.js';
import {
  createGatewayDatabase,
  createTestGateway,
  signingKey,
  startRecordingUpstream,
  type TestGateway,
} from './harness.js';

let database: TestDatabase<DB>;
let gateway: TestGateway;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let session: { userId: string; accessToken: string };

beforeAll(async () => {
  database = await createGatewayDatabase();
  upstream = await startRecordingUpstream();
  gateway = await createTestGateway(database, { RECEIPT_INGEST_URL: upstream.url });
  const registered = await request(gateway.app)
    .post('/auth/register')
    .send({ email: uniqueEmail(), password: 'correct horse battery staple', displayName: 'Tok' })
    .expect(201);
  session = { userId: registered.body.user.id, accessToken: registered.body.tokens.accessToken };
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await database.drop();
});

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

async function signWith(key: JWK, claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const { createPrivateKey } = await import('node:crypto');
  const privateKey = createPrivateKey({
    key: { kty: key.kty, crv: key.crv, x: key.x, d: key.d } as never,
    format: 'jwk',
  });
  return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: key.kid, ...header }).sign(privateKey);
}

function validClaims(overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return { ...claimsOf(session.accessToken), iat: now, exp: now + 600, ...overrides };
}

async function expectRejected(token: string) {
  const own = await request(gateway.app).get('/auth/me').set('Authorization', `Bearer ${token}`);
  expect(own.status).toBe(401);
  const proxied = await request(gateway.app).get('/purchases').set('Authorization', `Bearer ${token}`);
  expect(proxied.status).toBe(401);
  expect(proxied.body.error.code).toBe('UNAUTHENTICATED');
}

describe('access tokens', () => {
  it('accepts the token it issued, on its own routes and proxied ones', async () => {
    await request(gateway.app)
      .get('/auth/me')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .expect(200);
    const before = upstream.requests.length;
    await request(gateway.app)
      .get('/purchases')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .expect(200);
    expect(upstream.requests.slice(before).map((r) => r.headers['x-user-id'])).toEqual([session.userId]);
  });

  it('carries iss, aud, sub, role, sid and the kid, signed with EdDSA', () => {
    const header = JSON.parse(
      Buffer.from(session.accessToken.split('.')[0] ?? '', 'base64url').toString('utf8'),
    );
    expect(header).toMatchObject({ alg: 'EdDSA', kid: signingKey.kid });
    const claims = claimsOf(session.accessToken);
    expect(claims).toMatchObject({
      iss: 'cartwatch-gateway',
      aud: 'cartwatch',
      sub: session.userId,
      role: 'user',
    });
    expect(claims.sid).toEqual(expect.any(String));
    expect(Number(claims.exp) - Number(claims.iat)).toBe(900);
  });

  it('rejects an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    await expectRejected(await signWith(signingKey, validClaims({ iat: past - 900, exp: past })));
  });

  it('rejects a token for another audience', async () => {
    await expectRejected(await signWith(signingKey, validClaims({ aud: 'someone-else' })));
  });

  it('rejects a token from another issuer', async () => {
    await expectRejected(await signWith(signingKey, validClaims({ iss: 'evil-issuer' })));
  });

  it('rejects alg: none', async () => {
    await expectRejected(`${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(validClaims())}.`);
  });

  it('rejects an HS256 token signed with the public key as the secret', async () => {
    const jwks = (await request(gateway.app).get('/.well-known/jwks.json').expect(200)).body;
    const publicJwk = JSON.stringify(jwks.keys[0]);
    for (const secret of [publicJwk, jwks.keys[0].x, Buffer.from(jwks.keys[0].x, 'base64url')]) {
      const signingInput = `${base64url({ alg: 'HS256', typ: 'JWT', kid: signingKey.kid })}.${base64url(validClaims())}`;
      const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
      await expectRejected(`${signingInput}.${signature}`);
    }
  });

  it('rejects a tampered token', async () => {
    const [header, , signature] = session.accessToken.split('.');
    await expectRejected(`${header}.${base64url(validClaims({ role: 'admin' }))}.${signature}`);
  });

  it('rejects a token with an unknown kid', async () => {
    await expectRejected(await signWith(generateSigningJwk('unknown-kid'), validClaims()));
    // The right key with a kid we do not publish is refused too.
    await expectRejected(await signWith({ ...signingKey, kid: 'not-published' }, validClaims()));
  });

  it('keeps verifying tokens of a rotated-out key and publishes both keys', async () => {
    const newKey = generateSigningJwk('test-key-2');
    const rotated = await createTestGateway(database, {
      JWT_SIGNING_KEYS: JSON.stringify([newKey, signingKey]),
    });
    try {
      await request(rotated.app)
        .get('/auth/me')
        .set('Authorization', `Bearer ${session.accessToken}`)
        .expect(200);
      const jwks = (await request(rotated.app).get('/.well-known/jwks.json').expect(200)).body;
      expect(jwks.keys.map((key: JWK) => key.kid)).toEqual(['test-key-2', signingKey.kid]);
      expect(jwks.keys.every((key: JWK) => key.d === undefined)).toBe(true);
      const fresh = await rotated.tokens.sign({
        userId: session.userId,
        role: 'user',
        sessionId: String(claimsOf(session.accessToken).sid),
      });
      expect(JSON.parse(Buffer.from(fresh.split('.')[0] ?? '', 'base64url').toString('utf8')).kid).toBe(
        'test-key-2',
      );
      await request(gateway.app).get('/purchases').set('Authorization', `Bearer ${fresh}`).expect(401);
    } finally {
      await rotated.close();
    }
  });
});

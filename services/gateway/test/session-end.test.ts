/**
 * Sessions end when they should: after logout, logout-all, signing one out from the sessions list, a
 * password change or reset, a replayed refresh token or account deletion, the session's access tokens
 * are refused on proxied routes too - on the replica that ended it and on another replica sharing the same Redis - and open SSE streams close.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createTestStream,
  type TestDatabase,
  type TestStream,
  uniqueEmail,
  uniqueSuffix,
} from '@cartwatch/testing';
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
let stream: TestStream;
let upstream: { url: string; requests: RecordedRequest[]; close(): Promise<void> };
/** Two replicas of the gateway: same database, same Redis key prefix, same upstream. */
let replicaA: TestGateway;
let replicaB: TestGateway;
let serverB: http.Server;
let urlB: string;
let env: Record<string, string>;

beforeAll(async () => {
  database = await createGatewayDatabase();
  stream = await createTestStream();
  upstream = await startRecordingUpstream();
  env = {
    EVENTS_STREAM: stream.streamName,
    EVENTS_SUBJECT_PREFIX: stream.subjectPrefix,
    RATE_LIMIT_KEY_PREFIX: `test:${uniqueSuffix()}`,
    PRICE_WATCH_URL: upstream.url,
    COUPON_URL: upstream.url,
  };
  replicaA = await createTestGateway(database, env, { nc: stream.nc });
  replicaB = await createTestGateway(database, env, { nc: stream.nc });
  serverB = http.createServer(replicaB.app);
  await new Promise<void>((resolve) => serverB.listen(0, '127.0.0.1', resolve));
  urlB = `http://127.0.0.1:${(serverB.address() as AddressInfo).port}`;
});

afterAll(async () => {
  serverB.closeAllConnections();
  await new Promise((resolve) => serverB.close(resolve));
  await replicaA.close();
  await replicaB.close();
  await upstream.close();
  await stream.cleanup();
  await database.drop();
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

interface Signed {
  email: string;
  accessToken: string;
  refreshToken: string;
}

async function register(): Promise<Signed> {
  const email = uniqueEmail();
  const response = await request(replicaA.app)
    .post('/auth/register')
    .send({ email, password: PASSWORD, displayName: 'Sam' })
    .expect(201);
  return { email, ...response.body.tokens };
}

async function login(email: string, password = PASSWORD): Promise<Signed> {
  const response = await request(replicaA.app).post('/auth/login').send({ email, password }).expect(200);
  return { email, ...response.body.tokens };
}

/** A proxied route (price-watch's /watches) through a replica: the status the client gets. */
async function proxiedStatus(app: TestGateway['app'], token: string): Promise<number> {
  return (await request(app).get('/watches').set(bearer(token))).status;
}

/** Resolves when replica B has learnt that these sessions ended (through Redis, not its own call). */
function replicaBLearns(count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const stop = replicaB.revocations.onEnded((ids) => {
      seen += ids.length;
      if (seen >= count) {
        stop();
        resolve();
      }
    });
  });
}

/** Both replicas refuse the token on a proxied route, and the upstream never saw the request. */
async function expectRefusedEverywhere(token: string) {
  const before = upstream.requests.length;
  expect(await proxiedStatus(replicaA.app, token)).toBe(401);
  expect(await proxiedStatus(replicaB.app, token)).toBe(401);
  expect(upstream.requests.length).toBe(before);
}

/** Opens GET /me/events on replica B; `ended` resolves when the server closes the stream. */
async function openStream(token: string): Promise<{ status: number; ended: Promise<void>; close(): void }> {
  const req = http.get(`${urlB}/me/events`, { headers: bearer(token) });
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  response.resume();
  const ended = new Promise<void>((resolve) => response.on('end', resolve));
  return { status: response.statusCode ?? 0, ended, close: () => req.destroy() };
}

describe('ending a session refuses its access tokens on every route and replica', () => {
  it('logout: the token is refused on proxied routes of both replicas', async () => {
    const alice = await register();
    expect(await proxiedStatus(replicaB.app, alice.accessToken)).toBe(200);
    const learnt = replicaBLearns(1);
    await request(replicaA.app).post('/auth/logout').set(bearer(alice.accessToken)).expect(204);
    await learnt;
    await expectRefusedEverywhere(alice.accessToken);
  });

  it('logout-all: every session of the user is refused and an open event stream is closed', async () => {
    const bob = await register();
    const second = await login(bob.email);
    const events = await openStream(second.accessToken);
    expect(events.status).toBe(200);
    const learnt = replicaBLearns(2);
    await request(replicaA.app).post('/auth/logout-all').set(bearer(bob.accessToken)).expect(204);
    await learnt;
    await events.ended;
    await expectRefusedEverywhere(bob.accessToken);
    await expectRefusedEverywhere(second.accessToken);
  });

  it('signing one session out from the sessions list: that session is refused on both replicas, the others keep working', async () => {
    const gina = await register();
    const phone = await login(gina.email);
    const listed = await request(replicaA.app)
      .get('/auth/sessions')
      .set(bearer(phone.accessToken))
      .expect(200);
    const phoneSession = listed.body.sessions.find((s: { current: boolean }) => s.current);
    const learnt = replicaBLearns(1);
    await request(replicaA.app)
      .delete(`/auth/sessions/${phoneSession.id}`)
      .set(bearer(gina.accessToken))
      .expect(204);
    await learnt;
    await expectRefusedEverywhere(phone.accessToken);
    expect(await proxiedStatus(replicaB.app, gina.accessToken)).toBe(200);
  });

  it('password change: the other sessions are refused, the one that changed it keeps working', async () => {
    const carol = await register();
    const other = await login(carol.email);
    const learnt = replicaBLearns(1);
    await request(replicaA.app)
      .post('/auth/password')
      .set(bearer(carol.accessToken))
      .send({ currentPassword: PASSWORD, newPassword: `${PASSWORD} again` })
      .expect(204);
    await learnt;
    await expectRefusedEverywhere(other.accessToken);
    expect(await proxiedStatus(replicaB.app, carol.accessToken)).toBe(200);
  });

  it('password reset: every session is refused', async () => {
    const dave = await register();
    await request(replicaA.app).post('/auth/password-reset/start').send({ email: dave.email }).expect(202);
    const learnt = replicaBLearns(1);
    await request(replicaA.app)
      .post('/auth/password-reset/complete')
      .send({ email: dave.email, code: await replicaA.codeSentTo(dave.email), newPassword: `${PASSWORD}!` })
      .expect(204);
    await learnt;
    await expectRefusedEverywhere(dave.accessToken);
  });

  it('a replayed refresh token: the whole family is refused, the access token of the thief included', async () => {
    const erin = await register();
    const rotated = await request(replicaA.app)
      .post('/auth/refresh')
      .send({ refreshToken: erin.refreshToken })
      .expect(200);
    const learnt = replicaBLearns(1);
    await request(replicaA.app).post('/auth/refresh').send({ refreshToken: erin.refreshToken }).expect(401);
    await learnt;
    await expectRefusedEverywhere(erin.accessToken);
    await expectRefusedEverywhere(rotated.body.tokens.accessToken);
  });

  it('account deletion: the token can no longer create anything through a proxied route', async () => {
    const frank = await register();
    const learnt = replicaBLearns(1);
    await request(replicaA.app)
      .delete('/auth/me')
      .set(bearer(frank.accessToken))
      .send({ password: PASSWORD })
      .expect(204);
    await learnt;
    const before = upstream.requests.length;
    const list = await request(replicaB.app)
      .post('/shopping/lists')
      .set(bearer(frank.accessToken))
      .send({ name: 'after deletion' });
    expect(list.status).toBe(401);
    expect(upstream.requests.length).toBe(before);
  });

  it('a replica that starts later still refuses sessions that ended before it started', async () => {
    const gina = await register();
    await request(replicaA.app).post('/auth/logout').set(bearer(gina.accessToken)).expect(204);
    const late = await createTestGateway(database, env);
    try {
      expect(await proxiedStatus(late.app, gina.accessToken)).toBe(401);
    } finally {
      await late.close();
    }
  });
});

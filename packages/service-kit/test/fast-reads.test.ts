import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AppError,
  createMetricsRegistry,
  createOpenApiRegistry,
  defineRoute,
  mountRoutes,
} from '../src/index.js';
import { buildApp, recordingLogger, TEST_KEY, userHeaders } from './helpers.js';

const Params = z.strictObject({ id: z.uuid() });
const Query = z.strictObject({ period: z.enum(['7d', '90d']).default('90d') });
const missing = '00000000-0000-4000-8000-000000000000';

/** An app with one fast read and a middleware counting the requests the express stack saw. */
function fastReadApp(options: { user?: 'required' } = {}) {
  const calls: Array<{ id: string; period: string; userId: string | undefined }> = [];
  let expressRequests = 0;
  const logs = recordingLogger();
  const registry = createMetricsRegistry('orders');
  const app = buildApp(
    (router) => {
      router.use((_req, _res, next) => {
        expressRequests++;
        next();
      });
      mountRoutes(router, createOpenApiRegistry(), [
        defineRoute({
          method: 'get',
          path: '/things/:id/trend',
          summary: 'A thing',
          request: { params: Params, query: Query },
          responses: {},
          ...options,
          fast: true,
          read: async ({ params, query, user }) => {
            calls.push({ id: params.id, period: query.period, userId: user?.id });
            if (params.id === missing) throw AppError.notFound('thing');
            return { id: params.id, period: query.period, points: [1, 2, 3], userId: user?.id ?? null };
          },
        }),
      ]);
    },
    { logger: logs.logger, registry },
  );
  return { app, calls, logs, registry, expressRequests: () => expressRequests };
}

describe('fast reads', () => {
  it('answers a success outside express with the headers, body and ETag res.json gives', async () => {
    const { app, calls, logs, registry, expressRequests } = fastReadApp();
    const id = randomUUID();
    const user = randomUUID();
    const fast = await request(app)
      .get(`/things/${id}/trend?period=7d`)
      .set({ ...userHeaders('user', user), 'x-request-id': 'req-fast-1' });
    expect(fast.status).toBe(200);
    expect(fast.body).toEqual({ id, period: '7d', points: [1, 2, 3], userId: user });
    expect(expressRequests()).toBe(0);

    // The same request as a conditional one the ETag does not match goes through express: same answer.
    const slow = await request(app)
      .get(`/things/${id}/trend?period=7d`)
      .set({ ...userHeaders('user', user), 'if-none-match': '"other"' });
    expect(expressRequests()).toBe(1);
    expect(slow.status).toBe(200);
    expect(slow.text).toBe(fast.text);
    for (const header of [
      'content-type',
      'content-length',
      'etag',
      'content-security-policy',
      'strict-transport-security',
      'x-content-type-options',
      'x-frame-options',
      'cross-origin-opener-policy',
      'referrer-policy',
    ]) {
      expect(fast.headers[header], header).toBe(slow.headers[header]);
    }
    expect(fast.headers['x-request-id']).toBe('req-fast-1');
    expect(fast.headers['x-powered-by']).toBeUndefined();

    // A conditional request with the matching ETag gets express's 304.
    const fresh = await request(app)
      .get(`/things/${id}/trend?period=7d`)
      .set({ ...userHeaders('user', user), 'if-none-match': fast.headers.etag as string });
    expect(fresh.status).toBe(304);
    expect(calls).toHaveLength(3);

    const line = logs.lines.find((entry) => entry.requestId === 'req-fast-1');
    expect(line).toMatchObject({
      msg: 'request completed',
      userId: user,
      req: { method: 'GET', url: `/things/${id}/trend?period=7d` },
      res: { statusCode: 200 },
    });
    const metrics = await registry.getSingleMetricAsString('http_request_duration_seconds');
    expect(metrics).toMatch(
      /http_request_duration_seconds_count\{[^}]*route="\/things\/:id\/trend"[^}]*status="200"[^}]*\} 2/,
    );
  });

  it('leaves every refusal to express: key, params, query, identity, a thrown AppError', async () => {
    const { app, calls, expressRequests } = fastReadApp();
    const id = randomUUID();
    const noKey = await request(app).get(`/things/${id}/trend`);
    expect(noKey.status).toBe(401);
    expect(noKey.body.error).toMatchObject({ code: 'UNAUTHENTICATED', message: 'missing service key' });

    const wrongKey = await request(app).get(`/things/${id}/trend`).set('x-service-key', `${TEST_KEY}x`);
    expect(wrongKey.body.error).toMatchObject({ code: 'UNAUTHENTICATED', message: 'invalid service key' });

    const badId = await request(app).get('/things/not-a-uuid/trend').set(userHeaders());
    expect(badId.status).toBe(400);
    expect(badId.body.error.code).toBe('VALIDATION_FAILED');
    expect(badId.body.error.details.issues[0]).toMatchObject({ path: 'id' });

    const badQuery = await request(app).get(`/things/${id}/trend?period=1y&extra=1`).set(userHeaders());
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.details.issues.map((issue: { path: string }) => issue.path).sort()).toEqual([
      'extra',
      'period',
    ]);

    const forged = await request(app)
      .get(`/things/${id}/trend`)
      .set({ 'x-service-key': TEST_KEY, 'x-user-id': 'not-a-uuid', 'x-user-role': 'user' });
    expect(forged.status).toBe(401);
    expect(forged.body.error.message).toBe('malformed user identity');

    expect(calls).toEqual([]);
    const notFound = await request(app).get(`/things/${missing}/trend`).set(userHeaders());
    expect(notFound.status).toBe(404);
    expect(notFound.body.error).toMatchObject({ code: 'NOT_FOUND' });
    // The fast path ran the read once; it threw, and express answered that error in the error shape.
    expect(calls.map((call) => call.id)).toEqual([missing]);
    // The key and identity refusals ended in express's guard, before the counting middleware.
    expect(expressRequests()).toBe(3);

    // Other methods and paths never take the fast path.
    expect((await request(app).post(`/things/${id}/trend`).set(userHeaders())).status).toBe(404);
    expect((await request(app).get(`/things/${id}/trend/more`).set(userHeaders())).status).toBe(404);
    expect(expressRequests()).toBe(5);
  });

  it('a read that requires a user refuses a request without one, and serves a service call only with one', async () => {
    const { app, calls } = fastReadApp({ user: 'required' });
    const id = randomUUID();
    const anonymous = await request(app).get(`/things/${id}/trend`).set('x-service-key', TEST_KEY);
    expect(anonymous.status).toBe(401);
    expect(calls).toEqual([]);
    const user = randomUUID();
    const signedIn = await request(app).get(`/things/${id}/trend`).set(userHeaders('user', user));
    expect(signedIn.status).toBe(200);
    expect(calls).toEqual([{ id, period: '90d', userId: user }]);
  });
});

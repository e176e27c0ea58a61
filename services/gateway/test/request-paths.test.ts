/**
 * One request pipeline, two implementations (docs/gateway.md#the-proxied-request-path): a proxied request is answered
 * on the fast path (proxy/fast-path.ts, outside express) or, in the reference gateway built with
 * `proxyFastPath: false`, by the express stack. The same requests sent to both must give the same
 * answer (status, headers, body), send the same request upstream (identity headers set by the gateway,
 * the client's stripped), and leave the same log line and the same latency metric.
 */
import { services, upstreamServices } from '@cartwatch/common-types';
import { createLogger } from '@cartwatch/service-kit';
import type { TestDatabase } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import {
  createGatewayDatabase,
  createTestGateway,
  mintAccessToken,
  type RecordingUpstream,
  startRecordingUpstream,
  type TestGateway,
} from './harness.js';

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  userId?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
}

class Lines {
  readonly entries: LogLine[] = [];
  write(chunk: string) {
    for (const line of chunk.split('\n')) if (line.trim()) this.entries.push(JSON.parse(line) as LogLine);
  }
  /** The completion line of one request, in the fields both paths must agree on. */
  of(requestId: string) {
    const line = this.entries.find((entry) => entry.requestId === requestId && entry.res);
    return (
      line && {
        level: line.level,
        msg: line.msg,
        userId: line.userId,
        req: { method: line.req?.method, url: line.req?.url },
        res: { statusCode: line.res?.statusCode },
      }
    );
  }
}

const user = { id: '0192f9b4-6f3c-7c1e-9d0a-4a5b6c7d8e99' };
let database: TestDatabase<DB>;
let upstream: RecordingUpstream;
const built: Array<{ gateway: TestGateway; lines: Lines }> = [];

beforeAll(async () => {
  database = await createGatewayDatabase();
  upstream = await startRecordingUpstream();
  const urls = Object.fromEntries(upstreamServices.map((name) => [services[name].urlEnv, upstream.url]));
  for (const proxyFastPath of [true, false]) {
    const lines = new Lines();
    const gateway = await createTestGateway(
      database,
      { ...urls, LOG_LEVEL: 'debug', PUBLIC_CACHE_TTL_SECONDS: '0' },
      { logger: createLogger({ service: 'gateway', level: 'debug', destination: lines }), proxyFastPath },
    );
    built.push({ gateway, lines });
  }
});

afterAll(async () => {
  for (const { gateway } of built) await gateway.close();
  await upstream.close();
  await database.drop();
});

/** Headers that differ between any two answers (time, connection handling), not between the paths. */
const varying = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

function comparable(headers: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !varying.has(name)));
}

async function sendBoth(name: string, send: (app: TestGateway['app'], requestId: string) => request.Test) {
  const answers = [];
  // The same request id on both: each gateway logs to its own lines.
  const requestId = name;
  for (const { gateway, lines } of built) {
    const before = upstream.requests.length;
    const response = await send(gateway.app, requestId);
    const forwarded = upstream.requests.slice(before).map((each) => ({
      method: each.method,
      url: each.url,
      bodyBytes: each.bodyBytes,
      headers: Object.fromEntries(
        Object.entries(each.headers).filter(
          ([header]) =>
            header.startsWith('x-user') ||
            header.startsWith('x-service') ||
            header.startsWith('x-device') ||
            header === 'content-type' ||
            header === 'content-length',
        ),
      ),
      requestId: each.headers['x-request-id'] === requestId,
    }));
    const metric = await gateway.context.registry.getSingleMetricAsString('http_request_duration_seconds');
    answers.push({
      status: response.status,
      headers: comparable({
        ...response.headers,
        'x-request-id': response.headers['x-request-id'] === requestId,
      }),
      body: response.text,
      forwarded,
      log: lines.of(requestId),
      metricLabels: [...metric.matchAll(/_count\{([^}]*)\}/g)].map((match) => match[1]).sort(),
    });
  }
  const [fast, express] = answers;
  return { fast, express };
}

describe('a proxied request on the fast path and on the express stack', () => {
  it('answers, forwards, logs and counts a signed-in read the same way', async () => {
    const token = await mintAccessToken(user);
    const { fast, express } = await sendBoth('read', (app, requestId) =>
      request(app)
        .get('/orders?limit=5')
        .set({
          authorization: `Bearer ${token}`,
          'x-request-id': requestId,
          // Forged identity: stripped on both paths, the gateway sets its own.
          'x-user-id': '00000000-0000-4000-8000-000000000000',
          'x-user-role': 'admin',
          'x-service-key': 'guess',
        }),
    );
    expect(fast?.status).toBe(200);
    expect(fast?.forwarded[0]?.headers['x-user-id']).toBe(user.id);
    expect(fast?.forwarded[0]?.headers['x-user-role']).toBe('user');
    expect(fast?.log).toBeDefined();
    expect(fast).toEqual(express);
  });

  it('forwards a JSON body and answers the same way', async () => {
    const token = await mintAccessToken(user);
    const { fast, express } = await sendBoth('write', (app, requestId) =>
      request(app)
        .post('/shopping/lists')
        .set({ authorization: `Bearer ${token}`, 'x-request-id': requestId })
        .send({ name: 'Weekly' }),
    );
    expect(fast?.status).toBe(200);
    expect(fast?.forwarded[0]?.bodyBytes).toBe(JSON.stringify({ name: 'Weekly' }).length);
    expect(fast).toEqual(express);
  });

  it('serves a public read without a token the same way', async () => {
    const { fast, express } = await sendBoth('public', (app, requestId) =>
      request(app).get('/public/inflation').set({ 'x-request-id': requestId, 'x-user-id': user.id }),
    );
    expect(fast?.status).toBe(200);
    expect(fast?.forwarded[0]?.headers['x-user-id']).toBeUndefined();
    expect(fast).toEqual(express);
  });

  it('refuses a request without a valid token the same way', async () => {
    const { fast, express } = await sendBoth('refused', (app, requestId) =>
      request(app).get('/orders').set({ authorization: 'Bearer nope', 'x-request-id': requestId }),
    );
    expect(fast?.status).toBe(401);
    expect(fast?.forwarded).toEqual([]);
    expect(fast).toEqual(express);
  });
});

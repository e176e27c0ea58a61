/**
 * The gateway's edge over a real listening server, served the way the process serves it: a client's
 * `Expect: 100-continue` is admitted like any request (key, identity and request id injected upstream,
 * 401 and 413 answered without reading the body), oversized headers get 431 and a slow body 408 in the
 * error shape, and the operational endpoints live on the management port only. supertest cannot send
 * `Expect: 100-continue` properly, so these tests speak node:http and raw sockets.
 */
import { postExpectingContinue, rawBody, rawExchange, TEST_SERVICE_KEY } from '@cartwatch/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  mintAccessToken,
  type RecordingUpstream,
  type ServedGateway,
  serveGateway,
  startRecordingUpstream,
} from './harness.js';

const alice = { id: '0192f9b4-6f3c-7c1e-9d0a-4a5b6c7d8e11', role: 'user' as const };
let aliceToken: string;
let upstream: RecordingUpstream;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  aliceToken = await mintAccessToken(alice);
});

afterAll(async () => {
  await upstream.close();
});

beforeEach(() => {
  upstream.requests.length = 0;
});

function errorOf(text: string): { code?: string; requestId?: string } | undefined {
  return (JSON.parse(text) as { error?: { code?: string; requestId?: string } }).error;
}

describe('gateway edge: Expect: 100-continue', () => {
  let gateway: ServedGateway;
  beforeAll(async () => {
    gateway = await serveGateway({
      upstreamUrl: upstream.url,
      env: { PROXY_MAX_BODY_BYTES: String(8 * 1024 * 1024) },
    });
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('forwards a large 100-continue upload with the service key, the identity and the request id', async () => {
    const body = Buffer.alloc(5 * 1024 * 1024, 'a');
    const answer = await postExpectingContinue(`${gateway.url}/receipts/csv`, {
      body,
      headers: {
        authorization: `Bearer ${aliceToken}`,
        'x-request-id': 'trace-continue-1',
        'x-service-key': 'forged-by-the-client-000000000000000000',
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.continued).toBe(true);
    expect(upstream.requests).toHaveLength(1);
    const [seen] = upstream.requests;
    expect(seen?.headers['x-service-key']).toBe(TEST_SERVICE_KEY);
    expect(seen?.headers['x-user-id']).toBe(alice.id);
    expect(seen?.headers['x-user-role']).toBe('user');
    expect(seen?.headers['x-request-id']).toBe('trace-continue-1');
    expect(seen?.bodyBytes).toBe(body.length);
  });

  it('answers 413 in the error shape without asking for a body over the limit', async () => {
    const answer = await postExpectingContinue(`${gateway.url}/receipts/csv`, {
      body: Buffer.alloc(0),
      declaredLength: 9 * 1024 * 1024,
      headers: { authorization: `Bearer ${aliceToken}`, 'x-request-id': 'trace-continue-413' },
    });
    expect(answer.status).toBe(413);
    expect(answer.continued).toBe(false);
    expect(errorOf(answer.body)).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      requestId: 'trace-continue-413',
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it('answers 401 in the error shape without asking for the body of an anonymous request', async () => {
    const answer = await postExpectingContinue(`${gateway.url}/receipts/csv`, { body: Buffer.alloc(1024) });
    expect(answer.status).toBe(401);
    expect(answer.continued).toBe(false);
    expect(errorOf(answer.body)?.code).toBe('UNAUTHENTICATED');
    expect(upstream.requests).toHaveLength(0);
  });

  it("asks for the body of the gateway's own routes and answers them as usual", async () => {
    const answer = await postExpectingContinue(`${gateway.url}/auth/login`, {
      body: Buffer.from(JSON.stringify({ email: 'nobody@example.test', password: 'not-the-password-1' })),
      headers: { 'content-type': 'application/json' },
    });
    expect(answer.continued).toBe(true);
    expect(answer.status).toBe(401);
    expect(errorOf(answer.body)?.code).toBe('UNAUTHENTICATED');
  });
});

describe('gateway edge: headers and slow bodies', () => {
  let gateway: ServedGateway;
  beforeAll(async () => {
    gateway = await serveGateway({
      upstreamUrl: upstream.url,
      env: { HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '1000' },
    });
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('answers oversized request headers with 431 in the error shape', async () => {
    const response = await rawExchange(
      gateway.url,
      `GET /orders HTTP/1.1\r\nHost: localhost\r\nX-Filler: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
    );
    expect(response).toMatch(/^HTTP\/1\.1 431 /);
    expect(response.toLowerCase()).toContain('content-type: application/json');
    expect(rawBody(response)).toMatchObject({
      error: { code: 'HEADERS_TOO_LARGE', requestId: expect.any(String) },
    });
  });

  it('cuts a slowloris body on a proxied route with 408 in the error shape', async () => {
    const response = await rawExchange(
      gateway.url,
      'POST /receipts/csv HTTP/1.1\r\nHost: localhost\r\n' +
        `Authorization: Bearer ${aliceToken}\r\nContent-Type: text/csv\r\nContent-Length: 10000\r\n\r\n`,
      { trickle: { everyMs: 100 } },
    );
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
    expect(rawBody(response)).toMatchObject({ error: { code: 'REQUEST_TIMEOUT' } });
    // The service never got a whole request.
    expect(upstream.requests).toHaveLength(0);
  });

  it('still passes an ordinary upload', async () => {
    const body = Buffer.alloc(2 * 1024 * 1024, 'b');
    const answer = await postExpectingContinue(`${gateway.url}/receipts/csv`, {
      body,
      headers: { authorization: `Bearer ${aliceToken}` },
    });
    expect(answer.status).toBe(200);
    expect(upstream.requests[0]?.bodyBytes).toBe(body.length);
  });
});

describe('gateway edge: operational endpoints', () => {
  let gateway: ServedGateway;
  beforeAll(async () => {
    gateway = await serveGateway({ upstreamUrl: upstream.url });
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('answers /metrics and /ready with 404 on the public port', async () => {
    for (const path of ['/metrics', '/ready']) {
      const response = await fetch(`${gateway.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
  });

  it('serves /metrics, /ready and /health on the management port', async () => {
    expect(gateway.managementUrl).toBeDefined();
    const metrics = await fetch(`${gateway.managementUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('http_request_duration_seconds');
    const ready = await fetch(`${gateway.managementUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { postgres: 'ok' } });
    expect((await fetch(`${gateway.managementUrl}/health`)).status).toBe(200);
  });

  it('keeps /health on the public port for load balancers', async () => {
    const response = await fetch(`${gateway.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

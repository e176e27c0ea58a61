import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  AppError,
  createInternalClient,
  currentUser,
  type InternalClientOptions,
  InternalHttpError,
  requestIdOf,
} from '../src/index.js';
import { buildApp, TEST_KEY } from './helpers.js';

const servers: Server[] = [];

async function listen(app: Express): Promise<string> {
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function clientFor(baseUrl: string, overrides: Partial<InternalClientOptions> = {}) {
  return createInternalClient({
    baseUrl,
    serviceKey: TEST_KEY,
    caller: 'price-watch',
    retryBaseDelayMs: 5,
    ...overrides,
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/** An upstream that answers 503 `failures` times on every route, then 200 with the request it saw. */
function flakyUpstream(failures: number) {
  const calls: Array<{ method: string; idempotencyKey: string | undefined }> = [];
  const app = express();
  app.use(express.json());
  app.all('/{*rest}', (req, res) => {
    calls.push({ method: req.method, idempotencyKey: req.get('idempotency-key') });
    if (calls.length <= failures) {
      res
        .status(503)
        .json({ error: { code: 'UPSTREAM_UNAVAILABLE', message: 'warming up', requestId: 'r' } });
      return;
    }
    res.json({ attempt: calls.length, body: req.body ?? null });
  });
  return { app, calls };
}

describe('internal client', () => {
  it('calls a kit service with the key, request id and user identity, and reads JSON back', async () => {
    const upstream = buildApp((app) => {
      app.post('/internal/orders/:id/notes', (req, res) => {
        res.status(201).json({
          id: req.params.id,
          user: currentUser(req),
          requestId: requestIdOf(req),
          body: req.body,
          query: req.query,
          agent: req.get('user-agent'),
        });
      });
    });
    const client = clientFor(await listen(upstream));
    const user = { id: randomUUID(), role: 'user' as const };
    const result = await client.post(
      '/internal/orders/o-1/notes',
      { text: 'leave at door' },
      { user, requestId: 'gw-123', query: { notify: true, skip: undefined } },
    );
    expect(result).toEqual({
      id: 'o-1',
      user,
      requestId: 'gw-123',
      body: { text: 'leave at door' },
      query: { notify: 'true' },
      agent: 'cartwatch-price-watch',
    });
  });

  it('validates the response with a schema and types the result', async () => {
    const upstream = express().get('/internal/price', (_req, res) => {
      res.json({ amountMinor: 199, currency: 'USD' });
    });
    const client = clientFor(await listen(upstream));
    const Price = z.object({ amountMinor: z.number().int(), currency: z.string().length(3) });
    const price = await client.get('/internal/price', { schema: Price });
    expect(price.amountMinor + 1).toBe(200);

    const error = await rejection(client.get('/internal/price', { schema: z.object({ cents: z.number() }) }));
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('INTERNAL');
  });

  it('retries a GET answered 503 and returns the eventual success', async () => {
    const { app, calls } = flakyUpstream(2);
    const client = clientFor(await listen(app), { retries: 2 });
    const result = await client.get('/internal/products/p-1');
    expect(result).toMatchObject({ attempt: 3 });
    expect(calls).toHaveLength(3);
  });

  it('gives up after the configured retries with the upstream error', async () => {
    const { app, calls } = flakyUpstream(10);
    const client = clientFor(await listen(app), { retries: 2 });
    const error = await rejection(client.put('/internal/products/p-1', { name: 'milk' }));
    expect(calls).toHaveLength(3);
    expect(error).toBeInstanceOf(InternalHttpError);
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 503, message: 'warming up' });
  });

  it('never retries a POST without an idempotency key', async () => {
    const { app, calls } = flakyUpstream(1);
    const client = clientFor(await listen(app), { retries: 3 });
    const error = await rejection(client.post('/internal/orders', { items: [] }));
    expect(calls).toHaveLength(1);
    expect((error as InternalHttpError).upstreamStatus).toBe(503);
  });

  it('retries a POST that carries an idempotency key, sending the same key each time', async () => {
    const { app, calls } = flakyUpstream(1);
    const client = clientFor(await listen(app), { retries: 3 });
    const result = await client.post('/internal/orders', { items: [] }, { idempotencyKey: 'order-42' });
    expect(result).toEqual({ attempt: 2, body: { items: [] } });
    expect(calls).toEqual([
      { method: 'POST', idempotencyKey: 'order-42' },
      { method: 'POST', idempotencyKey: 'order-42' },
    ]);
  });

  it('does not retry a 500, which is not a transient answer', async () => {
    let calls = 0;
    const upstream = express().get('/internal/x', (_req, res) => {
      calls += 1;
      res.status(500).json({ error: { code: 'INTERNAL', message: 'internal error', requestId: 'r' } });
    });
    const client = clientFor(await listen(upstream), { retries: 3 });
    const error = await rejection(client.get('/internal/x'));
    expect(calls).toBe(1);
    expect((error as AppError).code).toBe('INTERNAL');
  });

  it('times out a slow call with UPSTREAM_TIMEOUT, retrying GETs before giving up', async () => {
    let calls = 0;
    const upstream = express().get('/internal/slow', (_req, res) => {
      calls += 1;
      setTimeout(() => res.json({ late: true }), 5_000).unref();
    });
    // 300 ms per attempt: long enough for a loaded CI machine to deliver the retried request.
    const client = clientFor(await listen(upstream), { timeoutMs: 300, retries: 1 });
    const error = await rejection(client.get('/internal/slow'));
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('UPSTREAM_TIMEOUT');
    await vi.waitFor(() => expect(calls).toBe(2));
  });

  it('turns a refused connection into UPSTREAM_UNAVAILABLE', async () => {
    const baseUrl = await listen(express());
    const server = servers.pop();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    const client = clientFor(baseUrl, { retries: 1 });
    const error = await rejection(client.get('/internal/anything'));
    expect((error as AppError).code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it("keeps a peer's error code and details, but turns the peer's 401 into INTERNAL", async () => {
    const upstream = buildApp((app) => {
      app.get('/internal/orders/:id', (req) => {
        throw new AppError('NOT_FOUND', 'order not found', { orderId: req.params.id });
      });
    });
    const baseUrl = await listen(upstream);

    const notFound = await rejection(clientFor(baseUrl).get('/internal/orders/o-404'));
    expect(notFound).toMatchObject({
      code: 'NOT_FOUND',
      status: 404,
      message: 'order not found',
      details: { orderId: 'o-404' },
    });

    const wrongKey = await rejection(
      clientFor(baseUrl, { serviceKey: 'wrong-key-wrong-key-wrong-key-wrong' }).get('/internal/orders/o-1'),
    );
    expect(wrongKey).toMatchObject({
      code: 'INTERNAL',
      upstreamCode: 'UNAUTHENTICATED',
      upstreamStatus: 401,
    });
  });
});

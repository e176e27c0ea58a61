/**
 * Fault: the database unreachable for one service. receipt-ingest connects to Postgres through a loopback
 * TCP proxy; cutting it (open connections destroyed, new ones refused) makes its `/ready` answer 503 and
 * the gateway's calls to it answer a JSON error instead of hanging; restoring it brings `/ready` back to
 * 200 and writes succeed again. The real Postgres is never touched.
 */
import { testEnv } from '@cartwatch/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../src/eventually.js';
import { GatewayClient } from '../../src/gateway-client.js';
import { Platform } from '../../src/platform.js';
import { receiptLoad } from '../../src/receipt-load.js';
import { TcpProxy } from '../../src/tcp-proxy.js';

let proxy: TcpProxy;
let platform: Platform;

beforeAll(async () => {
  const postgres = new URL(testEnv().databaseUrl);
  proxy = await TcpProxy.start({ host: postgres.hostname, port: Number(postgres.port || 5432) });
  platform = await Platform.start({
    serviceDatabaseUrl: (service, databaseUrl) => {
      if (service !== 'receipt-ingest') return databaseUrl;
      const url = new URL(databaseUrl);
      url.hostname = '127.0.0.1';
      url.port = String(proxy.port);
      return url.toString();
    },
  });
});
afterAll(async () => {
  await proxy?.restore();
  await platform?.stop();
  await proxy?.close();
});

async function readyStatus(url: string): Promise<number> {
  const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return response.status;
}

describe('the database unreachable for receipt-ingest', () => {
  it('answers 503 from /ready and clean JSON errors, then recovers', async () => {
    const gateway = new GatewayClient(platform.url);
    const admin = await eventually('admin login', () => gateway.loginAdmin(platform.admin));
    const shopper = await gateway.registerUser('offline-shopper');
    const [first, second] = receiptLoad(2, 3).receipts;
    const { storeSlug } = first as { storeSlug: string };
    await gateway.post(
      '/stores',
      { slug: storeSlug, name: 'Offline Mart', ingestionMethods: ['json'] },
      {
        token: admin.token,
        expect: 201,
      },
    );
    await gateway.post('/receipts', first, { token: shopper.token, expect: 201 });
    expect(proxy.connections).toBeGreaterThan(0);
    const ingestUrl = platform.managementUrls['receipt-ingest'];
    expect(await readyStatus(ingestUrl)).toBe(200);

    await proxy.cut();
    await eventually('receipt-ingest /ready answering 503', async () =>
      (await readyStatus(ingestUrl)) === 503 ? true : undefined,
    );
    const ready = await fetch(`${ingestUrl}/ready`);
    const readyBody = (await ready.json()) as { error: { code: string; message: string } };
    expect(readyBody.error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(readyBody.error.message).toContain('postgres');

    // Through the gateway: a read and a write answer promptly with the documented error shape.
    for (const [method, path, body] of [
      ['GET', '/purchases?limit=5', undefined],
      ['POST', '/receipts', second],
    ] as const) {
      const response = await fetch(`${platform.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${shopper.token}`, 'content-type': 'application/json' },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      expect(response.status, `${method} ${path}`).toBeGreaterThanOrEqual(500);
      expect(response.headers.get('content-type')).toContain('application/json');
      const answer = (await response.json()) as { error?: { code?: string; message?: string } };
      expect(answer.error?.code, `${method} ${path}`).toEqual(expect.any(String));
    }
    // Other services keep working while this one has no database.
    await gateway.get('/products?limit=5', { token: shopper.token, expect: 200 });
    expect(platform.isRunning('receipt-ingest')).toBe(true);

    await proxy.restore();
    await eventually('receipt-ingest /ready answering 200 again', async () =>
      (await readyStatus(ingestUrl)) === 200 ? true : undefined,
    );
    const written = await eventually('a receipt written after the recovery', () =>
      gateway.post<{ purchase: { id: string } }>('/receipts', second, { token: shopper.token, expect: 201 }),
    );
    const purchases = await gateway.get<{ items: Array<{ id: string }> }>('/purchases?limit=10', {
      token: shopper.token,
    });
    expect(purchases.body.items.map((purchase) => purchase.id)).toContain(written.body.purchase.id);
    expect(purchases.body.items).toHaveLength(2);
  });
});

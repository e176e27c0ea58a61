/**
 * Issue #17, the gateway's edge, through the running platform: an upload that says
 * `Expect: 100-continue` reaches receipt-ingest with the service key and the shopper's identity (it was
 * answered 401 by the service before), an oversized one is refused 413 before its body is sent, and the
 * gateway's /metrics and /ready are not on its public port but on its management port.
 */
import { randomBytes } from 'node:crypto';
import { postExpectingContinue } from '@cartwatch/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../src/eventually.js';
import { GatewayClient, type Session } from '../../src/gateway-client.js';
import { sharedPlatform } from '../../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);
const storeSlug = `edge-mart-${randomBytes(4).toString('hex')}`;
let shopper: Session;

/** A CSV of `receipts` receipts of `lines` items each (about 80 bytes a line). */
function receiptCsv(prefix: string, receipts: number, lines: number): Buffer {
  const rows = ['receipt_id,store,purchased_at,currency,name,category,quantity,unit,unit_price'];
  for (let r = 0; r < receipts; r++)
    for (let i = 0; i < lines; i++)
      rows.push(`${prefix}-${r},${storeSlug},2026-11-2${r}T10:00:00Z,USD,Item number ${i},pantry,1,ea,1.25`);
  return Buffer.from(`${rows.join('\n')}\n`);
}

beforeAll(async () => {
  const admin = await eventually('the bootstrapped admin can log in', () =>
    gateway.loginAdmin(platform.admin),
  );
  await gateway.post(
    '/stores',
    { slug: storeSlug, name: 'Edge Mart', ingestionMethods: ['json', 'csv'] },
    { token: admin.token, expect: 201 },
  );
  shopper = await gateway.registerUser('edge-shopper');
});

describe('Expect: 100-continue through the gateway', () => {
  it('imports a large CSV upload as the shopper who sent it', async () => {
    const csv = receiptCsv(`edge-${randomBytes(3).toString('hex')}`, 4, 500);
    expect(csv.length).toBeGreaterThan(100_000);
    const answer = await postExpectingContinue(`${platform.url}/receipts/csv`, {
      body: csv,
      headers: { authorization: `Bearer ${shopper.token}`, 'content-type': 'text/csv' },
    });
    expect(answer.status, answer.body.slice(0, 500)).toBe(200);
    expect(answer.continued).toBe(true);
    const imported = JSON.parse(answer.body) as { itemCount: number; purchases: Array<{ id: string }> };
    expect(imported.itemCount).toBe(2_000);
    // Recorded for this shopper: the gateway asserted the identity.
    const [purchase] = imported.purchases;
    expect(imported.purchases).toHaveLength(4);
    const { body } = await gateway.get<{ id: string; items: unknown[] }>(`/purchases/${purchase?.id}`, {
      token: shopper.token,
    });
    expect(body.items).toHaveLength(500);
  });

  it('refuses a declared body over the limit with 413 without asking for it', async () => {
    const answer = await postExpectingContinue(`${platform.url}/receipts/csv`, {
      body: Buffer.alloc(0),
      declaredLength: 64 * 1024 * 1024,
      headers: { authorization: `Bearer ${shopper.token}`, 'content-type': 'text/csv' },
    });
    expect(answer.status).toBe(413);
    expect(answer.continued).toBe(false);
    expect(JSON.parse(answer.body)).toMatchObject({
      error: { code: 'PAYLOAD_TOO_LARGE', requestId: expect.any(String) },
    });
  });
});

describe("the gateway's operational endpoints", () => {
  it('are not served on its public port', async () => {
    for (const path of ['/metrics', '/ready']) {
      const response = await fetch(`${platform.url}${path}`);
      expect(response.status, path).toBe(404);
      const text = await response.text();
      expect(text, path).not.toContain('http_request_duration_seconds');
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
  });

  it('are served on its management port', async () => {
    const metrics = await fetch(`${platform.managementUrls.gateway}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('http_request_duration_seconds');
    const ready = await fetch(`${platform.managementUrls.gateway}/ready`);
    expect(ready.status).toBe(200);
  });
});

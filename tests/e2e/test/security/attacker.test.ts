/**
 * Issue #17's baseline, kept true: an attacker with curl against the running platform gets nowhere with
 * forged tokens, forged identity headers, other people's ids (IDOR) or SQL in parameters. These held on
 * main when the issue was filed; this file keeps them from regressing.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Account, registerAccount } from '../../src/accounts.js';
import { GatewayClient, type Session } from '../../src/gateway-client.js';
import { sharedPlatform } from '../../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const suffix = randomBytes(3).toString('hex');
const store = `attacked-${suffix}`;

let admin: Session;
let victim: Account;
let attacker: Account;
let victimPurchaseId: string;
let victimListId: string;
let victimWatchId: string;

beforeAll(async () => {
  admin = await gateway.loginAdmin(platform.admin);
  await gateway.post(
    '/stores',
    { slug: store, name: 'Attacked', ingestionMethods: ['json'] },
    { token: admin.token, expect: 201 },
  );
  victim = await registerAccount(gateway, 'victim');
  attacker = await registerAccount(gateway, 'attacker');
  const purchase = await gateway.post<{ purchase: { id: string } }>(
    '/receipts',
    {
      storeSlug: store,
      purchasedAt: new Date(Date.now() - 86_400_000).toISOString(),
      currency: 'USD',
      items: [{ name: 'Secret Sauce', quantity: 1, unitPriceCents: 499, paidCents: 499 }],
    },
    { token: victim.token, expect: 201 },
  );
  victimPurchaseId = purchase.body.purchase.id;
  const list = await gateway.post<{ id: string }>(
    '/shopping/lists',
    { name: 'private' },
    { token: victim.token },
  );
  victimListId = list.body.id;
  const detail = await gateway.get<{ items: Array<{ productId: string | null }> }>(
    `/purchases/${victimPurchaseId}`,
    {
      token: victim.token,
    },
  );
  const productId = detail.body.items[0]?.productId;
  const watch = productId
    ? await gateway.post<{ id: string }>(
        '/watches',
        { productId, targetPriceCents: 100 },
        { token: victim.token },
      )
    : undefined;
  victimWatchId = watch?.body.id ?? '';
});

describe('forged tokens are refused', () => {
  it('alg none, an HS256 token keyed with the public key, a tampered payload and a garbage token', async () => {
    const jwks = await gateway.get<{ keys: Array<{ kid: string; x: string }> }>('/.well-known/jwks.json');
    const key = jwks.body.keys[0] as { kid: string; x: string };
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: 'cartwatch-gateway',
      aud: 'cartwatch',
      sub: victim.userId,
      role: 'admin',
      sid: victim.userId,
      iat: now,
      exp: now + 600,
    };
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    const hsInput = `${b64({ alg: 'HS256', typ: 'JWT', kid: key.kid })}.${b64(claims)}`;
    const hs256 = `${hsInput}.${createHmac('sha256', key.x).update(hsInput).digest('base64url')}`;
    const [header, , signature] = attacker.token.split('.');
    const tampered = `${header}.${b64({ ...claims, sub: attacker.userId })}.${signature}`;
    for (const token of [none, hs256, tampered, 'not.a.token']) {
      await gateway.get('/purchases', { token, expect: 401 });
      await gateway.get('/admin/users', { token, expect: 401 });
    }
  });
});

describe('forged identity headers are ignored', () => {
  it('X-User-*, X-Service-Key and X-Device-* from a client never reach a service', async () => {
    const { body } = await gateway.get<{ items: Array<{ id: string }> }>('/purchases', {
      token: attacker.token,
      headers: {
        'X-User-Id': victim.userId,
        'X-User-Role': 'admin',
        'X-User-Retailer': store,
        'X-Service-Key': 'guess',
      },
    });
    expect(body.items.map((item) => item.id)).not.toContain(victimPurchaseId);
    await gateway.get('/purchases', {
      headers: { 'X-User-Id': victim.userId, 'X-User-Role': 'admin' },
      expect: 401,
    });
    // 403, not a 400 about the incomplete body: the forged role was never believed.
    await gateway.post(
      '/coupons',
      { code: 'FORGED', title: 'x' },
      { token: attacker.token, headers: { 'X-User-Role': 'admin' }, expect: 403 },
    );
  });
});

describe("another user's ids answer 404 and change nothing (IDOR)", () => {
  it('purchases, shopping lists and watches', async () => {
    await gateway.get(`/purchases/${victimPurchaseId}`, { token: attacker.token, expect: 404 });
    await gateway.get(`/shopping/lists/${victimListId}`, { token: attacker.token, expect: 404 });
    await gateway.call('DELETE', `/shopping/lists/${victimListId}`, { token: attacker.token, expect: 404 });
    if (victimWatchId) {
      await gateway.call('DELETE', `/watches/${victimWatchId}`, { token: attacker.token, expect: 404 });
    }
    await gateway.get(`/purchases/${victimPurchaseId}`, { token: victim.token, expect: 200 });
    await gateway.get(`/shopping/lists/${victimListId}`, { token: victim.token, expect: 200 });
  });
});

describe('SQL in parameters is data, never SQL', () => {
  it('answers 4xx or an empty result, never a 500 nor another user’s rows', async () => {
    const payloads = ["' or '1'='1", '1; drop table purchase; --', "x' union select * from app_user --"];
    for (const payload of payloads) {
      const encoded = encodeURIComponent(payload);
      for (const path of [
        `/purchases?store=${encoded}`,
        `/products?q=${encoded}`,
        `/public/store-comparison?store=${encoded}`,
        `/purchases/${encoded}`,
      ]) {
        const response = await fetch(`${platform.url}${path}`, {
          headers: { authorization: `Bearer ${attacker.token}`, accept: 'application/json' },
        });
        expect(response.status, `${path} answered ${response.status}`).toBeLessThan(500);
        const text = await response.text();
        expect(text).not.toContain(victimPurchaseId);
        if (path.startsWith('/purchases')) expect(text).not.toContain('Secret Sauce');
      }
    }
    await gateway.get(`/purchases/${victimPurchaseId}`, { token: victim.token, expect: 200 });
  });
});

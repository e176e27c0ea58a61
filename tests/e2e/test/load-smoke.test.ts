/**
 * A short run of bench/load's weighted mix through the gateway on the shared platform: browse products,
 * public trends, purchases, cart adds and checkouts from several shoppers at once. Every request class is
 * answered and none fails; speed is measured by bench/load, not here.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from '../src/eventually.js';
import { GatewayClient } from '../src/gateway-client.js';
import { requestClasses, runLoad, seedLoad } from '../src/load.js';
import { sharedPlatform } from '../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);

describe('load smoke', () => {
  it('answers every request class of the mix without an error for 5 s', async () => {
    const admin = await eventually('admin login', () => gateway.loginAdmin(platform.admin));
    const seed = await seedLoad(gateway, admin, { shopperCount: 4, receiptsPerShopper: 5 });
    const result = await runLoad(gateway, seed, 5_000);
    expect(result.errorSamples).toEqual([]);
    expect(result.errors).toBe(0);
    for (const name of requestClasses) expect(result.perClass[name].requests, name).toBeGreaterThan(0);
    // The checkouts placed orders the shoppers can read back.
    const orders = await gateway.get<{ items: unknown[] }>('/orders?limit=100', {
      token: seed.shoppers[0]?.token,
    });
    expect(orders.body.items.length).toBeGreaterThan(0);
  });
});

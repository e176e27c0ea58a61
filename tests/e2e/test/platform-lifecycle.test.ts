/**
 * The harness itself, on a platform of its own (the shared one must not lose a service): a service
 * stopped with stopService() is unavailable through the gateway and back after startService(), and
 * stop() leaves no database, stream or process behind.
 */

import { testEnv } from '@cartwatch/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../src/eventually.js';
import { GatewayClient } from '../src/gateway-client.js';
import { Platform } from '../src/platform.js';

let platform: Platform;

beforeAll(async () => {
  platform = await Platform.start();
});
afterAll(() => platform?.stop());

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: testEnv().databaseUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    return rowCount === 1;
  } finally {
    await client.end();
  }
}

async function streamExists(name: string): Promise<boolean> {
  const nc = await connect({ servers: testEnv().natsUrl.split(',') });
  try {
    const jsm = await jetstreamManager(nc);
    return await jsm.streams.info(name).then(
      () => true,
      () => false,
    );
  } finally {
    await nc.close();
  }
}

describe('Platform', () => {
  it('stops and restarts one service while the gateway keeps answering', async () => {
    const gateway = new GatewayClient(platform.url);
    const admin = await eventually('admin login', () => gateway.loginAdmin(platform.admin));
    await gateway.get('/shrinkflation', { token: admin.token, expect: 200 });

    expect(await platform.stopService('shrinkflation')).toBe(0);
    expect(platform.isRunning('shrinkflation')).toBe(false);
    const down = await gateway.get<{ error: { code: string } }>('/shrinkflation', {
      token: admin.token,
      expect: 503,
    });
    expect(down.body.error.code).toBe('UPSTREAM_UNAVAILABLE');

    await platform.startService('shrinkflation');
    await gateway.get('/shrinkflation', { token: admin.token, expect: 200 });
  });

  it('drops its database and deletes its stream on stop()', async () => {
    expect(await databaseExists(platform.databaseName)).toBe(true);
    expect(await streamExists(platform.streamName)).toBe(true);
    await platform.stop();
    for (const name of ['gateway', 'shrinkflation', 'orders'] as const)
      expect(platform.isRunning(name)).toBe(false);
    expect(await databaseExists(platform.databaseName)).toBe(false);
    expect(await streamExists(platform.streamName)).toBe(false);
  });
});

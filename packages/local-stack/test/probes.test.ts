import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, isNatsReachable, isPostgresReachable, isRedisReachable } from '../src/index.js';

describe('reachability probes', () => {
  let closedPort: number;
  /** Accepts connections and never says a word, like a hung server. */
  let silent: net.Server;
  let silentPort: number;

  beforeAll(async () => {
    closedPort = await findFreePort();
    silent = net.createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('answers false at once when nothing listens', async () => {
    const startedAt = Date.now();
    const results = await Promise.all([
      isPostgresReachable(`postgres://postgres@127.0.0.1:${closedPort}/postgres`),
      isNatsReachable(`nats://127.0.0.1:${closedPort}`),
      isRedisReachable(`redis://127.0.0.1:${closedPort}`),
    ]);
    expect(results).toEqual([false, false, false]);
    expect(Date.now() - startedAt).toBeLessThan(1_500);
  });

  it('gives up on a server that never answers after its timeout', async () => {
    const results = await Promise.all([
      isPostgresReachable(`postgres://postgres@127.0.0.1:${silentPort}/postgres`, { timeoutMs: 300 }),
      isNatsReachable(`nats://127.0.0.1:${silentPort}`, { timeoutMs: 300 }),
      isRedisReachable(`redis://127.0.0.1:${silentPort}`, { timeoutMs: 300 }),
    ]);
    expect(results).toEqual([false, false, false]);
  });

  it('answers false for URLs it cannot parse', async () => {
    expect(await isRedisReachable('not a url')).toBe(false);
    expect(await isNatsReachable('nats://[bad')).toBe(false);
    expect(await isPostgresReachable('postgres://%%%')).toBe(false);
  });
});

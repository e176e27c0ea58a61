import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../src/index.js';
import { ephemeralPortRange, isPortFree } from '../src/ports.js';

describe('findFreePort', () => {
  it('returns a port that can be listened on at once', async () => {
    const port = await findFreePort();
    expect(port).toBeGreaterThan(1024);
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    expect(await isPortFree(port)).toBe(false);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await isPortFree(port)).toBe(true);
  });

  it('never hands out the standard Postgres, NATS or Redis ports', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => findFreePort()));
    for (const standard of [5432, 4222, 6379]) expect(ports).not.toContain(standard);
  });

  it('hands out ports below the kernel’s ephemeral range, which outgoing connections take meanwhile', async () => {
    const ephemeral = await ephemeralPortRange();
    const ports = await Promise.all(Array.from({ length: 20 }, () => findFreePort()));
    for (const port of ports) expect(port).toBeLessThan(ephemeral.low);
  });

  it('never hands one port to two callers before either listens', async () => {
    const ports = await Promise.all(Array.from({ length: 200 }, () => findFreePort()));
    expect(new Set(ports).size).toBe(200);
  });
});

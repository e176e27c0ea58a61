import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, isNatsReachable, startNatsServer } from '../src/index.js';
import { processGroupOf } from './process-group.js';
import { makeTempDir } from './temp-dir.js';

describe('startNatsServer', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;

  beforeAll(async () => {
    temp = await makeTempDir('nats');
  });
  afterAll(async () => {
    await temp.remove();
  });

  it('starts JetStream on a free loopback port and stops it', async () => {
    const server = await startNatsServer({ storeDir: temp.dir });
    try {
      expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
      expect(server.port).not.toBe(4222);
      expect(await isNatsReachable(server.url, { jetstream: true })).toBe(true);
      // its own process group: a terminal's Ctrl-C reaches only us, and we stop it after its clients
      expect(processGroupOf(server.pid)).toBe(server.pid);
      expect(processGroupOf(server.pid)).not.toBe(processGroupOf(process.pid));
      await expect(startNatsServer({ storeDir: temp.dir })).rejects.toBeInstanceOf(DataDirInUseError);
    } finally {
      await server.stop();
    }
    expect(await isNatsReachable(server.url)).toBe(false);
  });

  it('comes back on the port it used before', async () => {
    const first = await startNatsServer({ storeDir: temp.dir });
    await first.stop();
    const second = await startNatsServer({ storeDir: temp.dir });
    await second.stop();
    expect(second.port).toBe(first.port);
  });

  it('explains in one line how to get nats-server when the binary is missing', async () => {
    const failure = startNatsServer({ storeDir: temp.dir, binary: '/nonexistent/nats-server' });
    await expect(failure).rejects.toThrow(/apt-get install nats-server.*NATS_URL/);
    const message = await failure.catch((error: Error) => error.message);
    expect(message).not.toContain('\n');
  });
});

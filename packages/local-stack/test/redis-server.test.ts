import { describe, expect, it } from 'vitest';
import { isRedisReachable, startRedisServer } from '../src/index.js';

describe('startRedisServer', () => {
  it('starts a throwaway Redis on a free loopback port and stops it', async () => {
    const server = await startRedisServer();
    try {
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      expect(server.port).not.toBe(6379);
      expect(await isRedisReachable(server.url)).toBe(true);
    } finally {
      await server.stop();
    }
    expect(await isRedisReachable(server.url)).toBe(false);
  });

  it('explains in one line how to get redis-server when the binary is missing', async () => {
    const message = await startRedisServer({ binary: '/nonexistent/redis-server' }).catch(
      (error: Error) => error.message,
    );
    expect(message).toMatch(/apt-get install redis-server.*REDIS_URL/);
    expect(message).not.toContain('\n');
  });
});

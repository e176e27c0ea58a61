/**
 * A throwaway `redis-server` (no persistence) for tests on a machine without Redis. `pnpm start` does not
 * use it: services fall back to in-memory rate limits when REDIS_URL is unset.
 */
import os from 'node:os';
import type { RunningServer } from './embedded-postgres.js';
import { findFreePort } from './ports.js';
import { isRedisReachable } from './probes.js';
import { ADDRESS_IN_USE, resolveExecutable, ServerExitedError, spawnServer } from './processes.js';

export interface RedisServerOptions {
  /** Fixed port. Default: a free one. */
  port?: number;
  /** Path of the redis-server executable. Default: `redis-server` from PATH, /usr/sbin, /usr/local/bin. */
  binary?: string;
}

export const REDIS_SERVER_HINT =
  'install it (apt-get install redis-server, brew install redis) or set REDIS_URL to a running Redis';

const PORT_ATTEMPTS = 3;

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RunningServer> {
  const binary = await resolveExecutable(options.binary, 'redis-server', REDIS_SERVER_HINT);
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await findFreePort());
    const url = `redis://127.0.0.1:${port}`;
    try {
      const server = await spawnServer({
        name: `redis-server (port ${port})`,
        command: binary,
        args: [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          os.tmpdir(),
          '--daemonize',
          'no',
        ],
        isReady: () => isRedisReachable(url, { timeoutMs: 500 }),
        timeoutMs: 10_000,
      });
      return { url, port, pid: server.pid, stop: () => server.stop() };
    } catch (error) {
      const retry =
        options.port === undefined &&
        attempt < PORT_ATTEMPTS &&
        error instanceof ServerExitedError &&
        error.output.includes(ADDRESS_IN_USE);
      if (!retry) throw error;
    }
  }
}

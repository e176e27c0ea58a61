/**
 * A `nats-server` with JetStream for `pnpm start` and for tests on a machine without NATS. Its store lives
 * in `storeDir` and survives restarts; it listens only on 127.0.0.1, on a free port remembered in the store
 * directory, never on the standard 4222.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RunningServer } from './embedded-postgres.js';
import { choosePort } from './ports.js';
import { isNatsReachable } from './probes.js';
import {
  ADDRESS_IN_USE,
  claimDataDir,
  readState,
  reclaimDataDir,
  releaseDataDir,
  resolveExecutable,
  ServerExitedError,
  spawnServer,
  writeState,
} from './processes.js';

export interface NatsServerOptions {
  /** JetStream store directory (`-sd`); created when missing. */
  storeDir: string;
  /** Fixed port. Default: the port used last time if still free, else a free one. */
  port?: number;
  /** Path of the nats-server executable. Default: `nats-server` from PATH, /usr/sbin, /usr/local/bin. */
  binary?: string;
}

export const NATS_SERVER_HINT =
  'install it (apt-get install nats-server, brew install nats-server, or https://github.com/nats-io/nats-server/releases) or set NATS_URL to a NATS server with JetStream';

const START_TIMEOUT_MS = 20_000;
const PORT_ATTEMPTS = 3;

export async function startNatsServer(options: NatsServerOptions): Promise<RunningServer> {
  const binary = await resolveExecutable(options.binary, 'nats-server', NATS_SERVER_HINT);
  const storeDir = path.resolve(options.storeDir);
  claimDataDir(storeDir);
  try {
    return await startClaimed(binary, storeDir, options);
  } catch (error) {
    releaseDataDir(storeDir);
    throw error;
  }
}

async function startClaimed(
  binary: string,
  storeDir: string,
  options: NatsServerOptions,
): Promise<RunningServer> {
  await fs.mkdir(storeDir, { recursive: true });
  const previous = await readState(storeDir);
  await reclaimDataDir({
    dir: storeDir,
    serverPid: previous?.serverPid,
    ownerPid: previous?.ownerPid,
    program: 'nats-server',
    cmdlineIncludes: [storeDir],
    signal: 'SIGTERM',
    killSignal: 'SIGKILL',
  });

  for (let attempt = 1; ; attempt++) {
    const port = await choosePort(options.port, attempt === 1 ? previous?.port : undefined);
    const url = `nats://127.0.0.1:${port}`;
    try {
      const server = await spawnServer({
        name: `nats-server (port ${port}, store ${storeDir})`,
        command: binary,
        args: ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir],
        isReady: () => isNatsReachable(url, { jetstream: true, timeoutMs: 1_000 }),
        timeoutMs: START_TIMEOUT_MS,
      });
      await writeState(storeDir, { port, serverPid: server.pid, ownerPid: process.pid });
      const stop = async () => {
        await server.stop();
        releaseDataDir(storeDir);
      };
      return { url, port, pid: server.pid, stop };
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

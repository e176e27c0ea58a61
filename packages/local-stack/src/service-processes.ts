/**
 * Runs the services of the local stack as child processes: migrations first, then every service with
 * its log lines prefixed by its name, readiness polling, and a clean stop on Ctrl-C.
 *
 * Services run detached (their own process group and session): a terminal's Ctrl-C reaches only the
 * launcher, which sends each service exactly one SIGTERM and waits for it to drain before it stops the
 * infrastructure. The launcher's 'exit' hook signals services it did not get to stop (e.g. it crashed);
 * after a SIGKILL of the launcher, the next start reclaims them (reclaimOrphanedServices).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { type ServiceName, serviceNames, services } from '@cartwatch/common-types';
import {
  addExitCleanup,
  isProcessAlive,
  processRuns,
  removeExitCleanup,
  waitForProcessExit,
} from './processes.js';

const COLORS = [36, 32, 33, 35, 34, 91, 96];
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const width = Math.max(...serviceNames.map((name) => name.length));

export function prefixFor(name: string, index: number): string {
  const color = COLORS[index % COLORS.length] ?? 37;
  const label = name.padEnd(width);
  return process.stdout.isTTY ? `\u001b[${color}m${label}\u001b[0m |` : `${label} |`;
}

/** Pino JSON becomes `HH:MM:SS LEVEL msg key=value…`; anything else is printed as it is. */
export function formatLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const {
      time,
      level,
      msg,
      service: _service,
      pid: _pid,
      hostname: _host,
      ...rest
    } = JSON.parse(line) as Record<string, unknown>;
    const clock =
      typeof time === 'number' || typeof time === 'string' ? new Date(time).toISOString().slice(11, 19) : '';
    const extras = Object.entries(rest)
      .filter(([key]) => !['req', 'res', 'responseTime'].includes(key))
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    const request =
      rest.req && typeof rest.req === 'object'
        ? ` ${(rest.req as { method?: string }).method} ${(rest.req as { url?: string }).url}`
        : '';
    return `${clock} ${LEVELS[Number(level)] ?? String(level)} ${String(msg ?? '')}${request} ${extras}`.trimEnd();
  } catch {
    return line;
  }
}

/** Where a child's formatted log lines go; default: this process's stdout. */
export type LogSink = (line: string) => void;

const toStdout: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};

function pipeWithPrefix(child: ChildProcess, prefix: string, output: LogSink = toStdout): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    readline.createInterface({ input: stream }).on('line', (line) => {
      output(`${prefix} ${formatLogLine(line)}`);
    });
  }
}

export function runToCompletion(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; prefix: string; cwd: string; output?: LogSink },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pipeWithPrefix(child, options.prefix, options.output);
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

export interface RunningService {
  name: ServiceName;
  /** Which replica of the service (0-based); 0 when it runs once. */
  replica: number;
  child: ChildProcess;
  /** The service's directory (services/<name>), its working directory. */
  cwd: string;
  /** Resolves with the exit code (a SIGTERM death counts as 0) once the process exited and its output is read. */
  exited: Promise<number>;
}

const SERVICE_ENTRY = 'dist/main.js';

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export interface StartServiceOptions {
  repoRoot: string;
  env: NodeJS.ProcessEnv;
  /** Default: the service's registered port (docs/architecture.md#ports). */
  port?: number;
  /** Port of /health, /ready and /metrics; default: the service's registered management port. */
  managementPort?: number;
  /** Default: this process's stdout. */
  output?: LogSink;
  /** Which replica this is (0-based), when a service runs several (`--replicas`): its log prefix says `name#n`. */
  replica?: number;
}

export function startServiceProcess(
  name: ServiceName,
  index: number,
  options: StartServiceOptions,
): RunningService {
  const cwd = path.join(options.repoRoot, 'services', name);
  const child = spawn(process.execPath, ['--enable-source-maps', SERVICE_ENTRY], {
    cwd,
    env: {
      ...options.env,
      PORT: String(options.port ?? services[name].port),
      MANAGEMENT_PORT: String(options.managementPort ?? services[name].managementPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: a terminal's Ctrl-C must not reach the service, only the launcher's one SIGTERM.
    detached: true,
  });
  const label = options.replica === undefined ? name : `${name}#${options.replica + 1}`;
  pipeWithPrefix(child, prefixFor(label, index), options.output);
  // The launcher exiting without stopAll() (a crash): the service is no longer in the terminal's process
  // group, so nothing else would stop it.
  const terminateOnExit = () => {
    child.kill('SIGTERM');
  };
  addExitCleanup(terminateOnExit);
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => {
      removeExitCleanup(terminateOnExit);
      const result = code ?? (signal === 'SIGTERM' ? 0 : 1);
      // 'close' comes once stdout/stderr are drained, so the last log lines ("shutdown complete") are
      // printed before the launcher moves on; a grandchild holding the pipes open must not block it.
      const timer = setTimeout(() => resolve(result), 2_000);
      child.once('close', () => {
        clearTimeout(timer);
        resolve(result);
      });
    });
    child.once('error', () => {
      removeExitCleanup(terminateOnExit);
      resolve(1);
    });
  });
  return { name, replica: options.replica ?? 0, child, cwd, exited };
}

/** Polls `GET <url>/ready` (a service's management URL) until it answers 200 or the deadline passes. */
export async function waitUntilReady(
  url: string,
  deadlineMs: number,
  isDead: () => boolean,
): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline && !isDead()) {
    try {
      const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/**
 * Sends every running service exactly one SIGTERM (they drain: finish requests, stop consumers, flush the
 * outbox relay, close pools) and waits for all of them to exit; SIGKILL for any still running after
 * `timeoutMs`.
 */
export async function stopAll(running: RunningService[], timeoutMs: number): Promise<void> {
  for (const service of running) if (isRunning(service.child)) service.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const service of running) if (isRunning(service.child)) service.child.kill('SIGKILL');
  }, timeoutMs);
  await Promise.all(running.map((service) => service.exited));
  clearTimeout(timer);
}

/**
 * Which services a launcher started, kept in a file under the data directory so that the next launcher
 * can stop services left behind by one that was SIGKILLed (no exit hook runs then).
 */
interface ServicesState {
  ownerPid: number;
  services: Array<{ name: string; pid: number; cwd: string }>;
}

export async function rememberServices(file: string, running: RunningService[]): Promise<void> {
  const state: ServicesState = {
    ownerPid: process.pid,
    services: running.flatMap(({ name, child, cwd }) =>
      child.pid !== undefined && isRunning(child) ? [{ name, pid: child.pid, cwd }] : [],
    ),
  };
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await fs.rename(`${file}.tmp`, file);
}

export async function forgetServices(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}

async function readServicesState(file: string): Promise<ServicesState | undefined> {
  try {
    const value: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
    if (!value || typeof value !== 'object') return undefined;
    const { ownerPid, services: list } = value as Partial<ServicesState>;
    if (typeof ownerPid !== 'number' || !Array.isArray(list)) return undefined;
    return { ownerPid, services: list };
  } catch {
    return undefined;
  }
}

/** `pid` still runs `node … dist/main.js` in `cwd` (not a recycled pid running something else). */
function isOurService(pid: number, cwd: string): boolean {
  if (!processRuns(pid, SERVICE_ENTRY)) return false;
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === realpathSync(cwd);
  } catch {
    return process.platform !== 'linux';
  }
}

/**
 * Stops services left running by a launcher that died without stopping them (SIGKILL): one SIGTERM each,
 * so they drain while the orphaned Postgres and nats-server they use are still up (those are reclaimed
 * afterwards by resolveInfrastructure), and SIGKILL after `timeoutMs`. Returns the pid of the launcher
 * when it is still alive (another `pnpm start` runs): its services are left alone.
 */
export async function reclaimOrphanedServices(
  file: string,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<{ ownerAlive: number } | undefined> {
  const state = await readServicesState(file);
  if (!state) return undefined;
  const orphans = state.services.filter(({ pid, cwd }) => isOurService(pid, cwd));
  if (orphans.length > 0 && state.ownerPid !== process.pid && isProcessAlive(state.ownerPid)) {
    return { ownerAlive: state.ownerPid };
  }
  if (orphans.length > 0) {
    log(
      `stopping services left running by a launcher that died (pid ${state.ownerPid}): ${orphans.map(({ name, pid }) => `${name} (pid ${pid})`).join(', ')}`,
    );
    for (const { pid } of orphans) process.kill(pid, 'SIGTERM');
    const exited = await Promise.all(orphans.map(({ pid }) => waitForProcessExit(pid, timeoutMs)));
    const stuck = orphans.filter((_, index) => !exited[index]);
    for (const { pid } of stuck) process.kill(pid, 'SIGKILL');
    const killed = await Promise.all(stuck.map(({ pid }) => waitForProcessExit(pid, 5_000)));
    const survivors = stuck.filter((_, index) => !killed[index]);
    if (survivors.length > 0) {
      throw new Error(
        `could not stop ${survivors.map(({ name, pid }) => `${name} (pid ${pid})`).join(', ')}`,
      );
    }
  }
  await forgetServices(file);
  return undefined;
}

/**
 * Process plumbing shared by the servers the local stack starts: finding executables, a small state file
 * per data directory (port, pids) so a restart keeps its port and a crashed run's orphan server can be
 * recognised and stopped, and a child-process wrapper that waits for readiness and stops cleanly.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs, constants as fsConstants, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The data directory belongs to another live process that started a server in it. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    const owner = ownerPid === process.pid ? 'this process' : `another local stack (pid ${ownerPid})`;
    super(`${dataDir} is in use by a server started by ${owner}; stop it first or use another directory`);
    this.name = 'DataDirInUseError';
  }
}

export interface ServerState {
  port?: number;
  /** pid of the server process itself (postmaster, nats-server). */
  serverPid?: number;
  /** pid of the Node process that started it; when that is gone, a live server is an orphan. */
  ownerPid?: number;
  /** Postgres superuser password generated at initdb. */
  password?: string;
}

export const STATE_FILE = 'cartwatch-local-stack.json';

export async function readState(dir: string): Promise<ServerState | undefined> {
  try {
    const value: unknown = JSON.parse(await fs.readFile(path.join(dir, STATE_FILE), 'utf8'));
    return value && typeof value === 'object' ? (value as ServerState) : undefined;
  } catch {
    return undefined;
  }
}

export async function writeState(dir: string, state: ServerState): Promise<void> {
  const file = path.join(dir, STATE_FILE);
  await fs.writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(`${file}.tmp`, file);
}

/** The process exists and is not a zombie (an orphan whose exit nobody has reaped yet counts as gone). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (error) {
    // no /proc (not Linux): the kill(0) answer stands; on Linux, ENOENT means it has just gone
    return !(process.platform === 'linux' && (error as NodeJS.ErrnoException).code === 'ENOENT');
  }
}

/**
 * Where /proc exists, checks that `pid` really runs `program` (guards against recycled pids) and, when
 * given, that its command line also mentions each of `alsoIncludes` (e.g. the data directory, so that the
 * machine's own Postgres or nats-server is never mistaken for ours).
 */
export function processRuns(pid: number, program: string, alsoIncludes: readonly string[] = []): boolean {
  if (!isProcessAlive(pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    return [program, ...alsoIncludes].every((part) => cmdline.includes(part));
  } catch {
    return process.platform !== 'linux';
  }
}

export async function waitForProcessExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await sleep(50);
  }
  return !isProcessAlive(pid);
}

const claimedDirs = new Set<string>();

/** Marks `dir` as used by a server of this process; throws DataDirInUseError when it already is. */
export function claimDataDir(dir: string): void {
  if (claimedDirs.has(dir)) throw new DataDirInUseError(dir, process.pid);
  claimedDirs.add(dir);
}

export function releaseDataDir(dir: string): void {
  claimedDirs.delete(dir);
}

/**
 * Looks at a data directory's previous server. Throws DataDirInUseError when another live process owns a
 * running server there; stops an orphan (its owner died without stopping it) with `signal`, escalating to
 * `killSignal`.
 */
export async function reclaimDataDir(opts: {
  dir: string;
  serverPid: number | undefined;
  ownerPid: number | undefined;
  program: string;
  /** Further strings the server's command line must contain for it to count as ours (e.g. `dir`). */
  cmdlineIncludes?: readonly string[];
  signal: NodeJS.Signals;
  killSignal: NodeJS.Signals;
}): Promise<void> {
  const { serverPid, ownerPid } = opts;
  if (serverPid === undefined || !processRuns(serverPid, opts.program, opts.cmdlineIncludes)) return;
  if (ownerPid !== undefined && ownerPid !== process.pid && isProcessAlive(ownerPid)) {
    throw new DataDirInUseError(opts.dir, ownerPid);
  }
  process.kill(serverPid, opts.signal);
  if (await waitForProcessExit(serverPid, 15_000)) return;
  process.kill(serverPid, opts.killSignal);
  if (!(await waitForProcessExit(serverPid, 5_000))) {
    throw new Error(`could not stop the orphaned ${opts.program} (pid ${serverPid}) using ${opts.dir}`);
  }
}

const EXTRA_BIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/opt/homebrew/bin'];

async function isExecutable(file: string): Promise<boolean> {
  try {
    await fs.access(file, fsConstants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of `name` from PATH or the usual sbin/bin directories, or undefined. */
export async function findExecutable(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...EXTRA_BIN_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export async function resolveExecutable(
  explicit: string | undefined,
  name: string,
  howToGet: string,
): Promise<string> {
  if (explicit !== undefined) {
    if (await isExecutable(explicit)) return explicit;
    throw new Error(`${explicit} is not an executable file; ${howToGet}`);
  }
  const found = await findExecutable(name);
  if (!found) throw new Error(`${name} not found on PATH or in ${EXTRA_BIN_DIRS.join(', ')}; ${howToGet}`);
  return found;
}

const exitCleanups = new Set<() => void>();
/** Signals that kill a Node process that does not handle them, without an 'exit' event. */
const FATAL_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function runExitCleanups(): void {
  const cleanups = [...exitCleanups];
  exitCleanups.clear();
  uninstallExitHooks();
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // the process is exiting; nothing useful to do with a failure here
    }
  }
}

/**
 * Servers run in their own process groups, so a Ctrl-C no longer reaches them directly. When nobody else
 * listens for the signal (it is about to kill this process, and 'exit' listeners do not run on a signal
 * death), signal the servers first, then die of the signal as before.
 */
function onFatalSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  runExitCleanups();
  process.kill(process.pid, signal);
}

function installExitHooks(): void {
  process.on('exit', runExitCleanups);
  for (const signal of FATAL_SIGNALS) process.on(signal, onFatalSignal);
}

function uninstallExitHooks(): void {
  process.off('exit', runExitCleanups);
  for (const signal of FATAL_SIGNALS) process.off(signal, onFatalSignal);
}

/**
 * Registers a synchronous last-chance cleanup (signal a server we started) for when this process exits
 * without stopping it: on 'exit' (process.exit(), end of the event loop, an uncaught exception), and on
 * SIGINT/SIGTERM/SIGHUP when the process has no handler of its own for them. One shared set of
 * listeners, however many servers run; none while no server runs.
 */
export function addExitCleanup(cleanup: () => void): void {
  if (exitCleanups.size === 0) installExitHooks();
  exitCleanups.add(cleanup);
}

export function removeExitCleanup(cleanup: () => void): void {
  if (!exitCleanups.delete(cleanup)) return;
  if (exitCleanups.size === 0) uninstallExitHooks();
}

/** Keeps the last lines a child printed, for error messages. */
export class OutputTail {
  private lines: string[] = [];

  constructor(private readonly max = 30) {}

  push(chunk: string): void {
    for (const line of chunk.split(/\r?\n/)) {
      if (line.trim() === '') continue;
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }

  includes(pattern: RegExp): boolean {
    return this.lines.some((line) => pattern.test(line));
  }

  toString(): string {
    return this.lines.join('\n');
  }
}

export interface ManagedProcess {
  child: ChildProcess;
  /** The server's pid; it leads its own process group (and session). */
  pid: number;
  output: OutputTail;
  /**
   * Sends `stopSignal` once, `killSignal` after `graceMs` (and SIGKILL 5 s later when `killSignal` is not
   * SIGKILL); resolves when the process has exited. Idempotent.
   */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnServerOptions {
  name: string;
  command: string;
  args: string[];
  isReady: () => Promise<boolean>;
  timeoutMs: number;
  /** Environment of the server. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Run the server as this user/group (e.g. Postgres as `postgres` when this process is root). */
  uid?: number;
  gid?: number;
  /** Receives every line the server prints (stdout and stderr), without the line break. */
  onLine?: (line: string) => void;
  /** Asks the server to shut down, in stop() and when this process exits without stop(). Default SIGTERM. */
  stopSignal?: NodeJS.Signals;
  /** Sent when the server has not exited `graceMs` after `stopSignal`. Default SIGKILL. */
  killSignal?: NodeJS.Signals;
}

/**
 * Spawns a server and polls `isReady` until it answers true. Rejects (after stopping the child) when the
 * child exits first or `timeoutMs` passes; the error carries the child's last output lines.
 *
 * The server is detached: it leads its own process group (and session), so the SIGINT a terminal sends to
 * its foreground process group on Ctrl-C reaches only this process, which then stops its servers itself,
 * in order, after whatever depends on them. In exchange the terminal no longer stops the server when this
 * process dies: an 'exit' hook sends `stopSignal` when this process exits without calling stop(), and
 * after a SIGKILL, when no hook runs, the next start on the same data directory reclaims the orphan
 * (see reclaimDataDir).
 */
export async function spawnServer(opts: SpawnServerOptions): Promise<ManagedProcess> {
  const stopSignal = opts.stopSignal ?? 'SIGTERM';
  const killSignal = opts.killSignal ?? 'SIGKILL';
  const output = new OutputTail();
  const child = spawn(opts.command, opts.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...(opts.env !== undefined ? { env: opts.env } : {}),
    ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
    ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
  });
  const onChunk = (chunk: string) => {
    output.push(chunk);
    if (opts.onLine) {
      for (const line of chunk.split(/\r?\n/)) if (line.trim() !== '') opts.onLine(line);
    }
  };
  child.stdout?.setEncoding('utf8').on('data', onChunk);
  child.stderr?.setEncoding('utf8').on('data', onChunk);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const signalOnExit = () => {
    child.kill(stopSignal);
  };
  addExitCleanup(signalOnExit);
  void exited.then(() => removeExitCleanup(signalOnExit));

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 10_000): Promise<void> => {
    stopping ??= (async () => {
      removeExitCleanup(signalOnExit);
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      child.kill(stopSignal);
      const timers = [setTimeout(() => child.kill(killSignal), graceMs)];
      if (killSignal !== 'SIGKILL') timers.push(setTimeout(() => child.kill('SIGKILL'), graceMs + 5_000));
      await exited;
      for (const timer of timers) clearTimeout(timer);
    })();
    return stopping;
  };

  // A failed spawn (no pid) reports its reason in an 'error' event on the next tick.
  if (child.pid === undefined) await new Promise<void>((resolve) => setImmediate(resolve));
  const deadline = Date.now() + opts.timeoutMs;
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  while (!hasExited && !spawnError && child.pid !== undefined) {
    if (await opts.isReady()) return { child, pid: child.pid, output, stop };
    if (Date.now() > deadline) {
      await stop(1_000);
      throw new Error(`${opts.name} did not become ready within ${opts.timeoutMs} ms:\n${output}`);
    }
    await sleep(100);
  }
  await stop(1_000);
  const reason = spawnError ? spawnError.message : `exited with code ${String(child.exitCode)}`;
  throw new ServerExitedError(`${opts.name} ${reason} before it was ready:\n${output}`, output);
}

/** The child exited during start-up; `output` lets callers spot e.g. "address already in use". */
export class ServerExitedError extends Error {
  constructor(
    message: string,
    readonly output: OutputTail,
  ) {
    super(message);
    this.name = 'ServerExitedError';
  }
}

export const ADDRESS_IN_USE = /address already in use|could not bind|could not create any TCP\/IP sockets/i;

/**
 * Embedded Postgres runs in its own process group: a terminal's Ctrl-C (SIGINT to the foreground process
 * group) reaches only its owner, which stops it after whatever uses it. These tests run the owner as a
 * separate process (test/fixtures/postgres-owner.ts) in a group of its own, so that signalling "the
 * terminal's process group" does not hit the test runner.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isPostgresReachable, startEmbeddedPostgres } from '../src/index.js';
import { isProcessAlive, waitForProcessExit } from '../src/processes.js';
import { processGroupOf } from './process-group.js';
import { makeTempDir } from './temp-dir.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/postgres-owner.ts', import.meta.url));

interface Owner {
  child: ChildProcess & { pid: number };
  /** The next JSON line the owner prints. */
  next(): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('embedded Postgres process group', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let dataDir: string;
  const owners: Owner[] = [];
  const servers: number[] = [];

  function startOwner(mode: 'graceful' | 'exit' | 'hold'): Owner {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir, mode], {
      cwd: packageDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined || !child.stdout) throw new Error('could not spawn the owner process');
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const owner: Owner = {
      child: child as ChildProcess & { pid: number },
      async next() {
        const line = await lines.next();
        if (line.done) throw new Error(`the owner process ended early:\n${stderr}`);
        return JSON.parse(line.value) as Record<string, unknown>;
      },
      exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    };
    owners.push(owner);
    return owner;
  }

  async function serverOf(owner: Owner): Promise<{ pid: number; url: string }> {
    const { pid, url } = await owner.next();
    if (typeof pid !== 'number' || typeof url !== 'string') throw new Error('unexpected owner output');
    servers.push(pid);
    return { pid, url };
  }

  beforeAll(async () => {
    temp = await makeTempDir('embedded-pg-group');
    dataDir = path.join(temp.dir, 'postgres');
  });
  afterEach(async () => {
    for (const { child } of owners.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    for (const pid of servers.splice(0)) {
      if (isProcessAlive(pid)) process.kill(pid, 'SIGQUIT');
      await waitForProcessExit(pid, 5_000);
    }
  });
  afterAll(async () => {
    await temp.remove();
  });

  it('runs the postmaster as the leader of its own process group', async () => {
    const server = await startEmbeddedPostgres({ dataDir, durable: false });
    try {
      expect(processGroupOf(server.pid)).toBe(server.pid);
      expect(processGroupOf(server.pid)).not.toBe(processGroupOf(process.pid));
    } finally {
      await server.stop();
    }
    expect(isProcessAlive(server.pid)).toBe(false);
  });

  it("keeps running through a Ctrl-C to its owner's process group until the owner stops it", async () => {
    const owner = startOwner('graceful');
    const { pid } = await serverOf(owner);
    expect(processGroupOf(owner.child.pid)).toBe(owner.child.pid);
    expect(processGroupOf(pid)).not.toBe(owner.child.pid);

    process.kill(-owner.child.pid, 'SIGINT'); // what a terminal does on Ctrl-C
    expect(await owner.next()).toEqual({ reachableOnSignal: true });
    expect(await owner.exited).toEqual({ code: 0, signal: null });
    expect(isProcessAlive(pid)).toBe(false);
  });

  it('is stopped by the exit hook when its owner exits without stop()', async () => {
    const owner = startOwner('exit');
    const { pid } = await serverOf(owner);
    expect((await owner.exited).code).toBe(0);
    expect(await waitForProcessExit(pid, 15_000)).toBe(true);
  });

  it('is stopped when its owner dies of a Ctrl-C it does not handle', async () => {
    const owner = startOwner('hold');
    const { pid } = await serverOf(owner);
    process.kill(-owner.child.pid, 'SIGINT');
    expect(await owner.exited).toEqual({ code: null, signal: 'SIGINT' });
    expect(await waitForProcessExit(pid, 15_000)).toBe(true);
  });

  it('survives a SIGKILL of its owner and is reclaimed, data intact, by the next start', async () => {
    const owner = startOwner('hold');
    const { pid, url } = await serverOf(owner);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('create table kept (id int primary key); insert into kept values (7)');
    await client.end();

    owner.child.kill('SIGKILL');
    await owner.exited;
    expect(isProcessAlive(pid)).toBe(true);

    const server = await startEmbeddedPostgres({ dataDir, durable: false });
    try {
      expect(server.pid).not.toBe(pid);
      expect(isProcessAlive(pid)).toBe(false);
      const again = new pg.Client({ connectionString: server.url });
      await again.connect();
      expect((await again.query('select id from kept')).rows).toEqual([{ id: 7 }]);
      await again.end();
    } finally {
      await server.stop();
    }
    expect(await isPostgresReachable(server.url)).toBe(false);
  });
});

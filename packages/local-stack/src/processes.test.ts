import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, isProcessAlive, reclaimDataDir, waitForProcessExit } from './processes.js';

function sleeper(): ChildProcess & { pid: number } {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error('could not spawn sleep');
  return child as ChildProcess & { pid: number };
}

async function deadPid(): Promise<number> {
  const child = spawn('true', { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid ?? 999_999;
}

describe('reclaimDataDir', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  const options = { dir: '/data', program: 'sleep', signal: 'SIGTERM', killSignal: 'SIGKILL' } as const;

  it('stops an orphaned server whose owner process is gone', async () => {
    const orphan = sleeper();
    children.push(orphan);
    await reclaimDataDir({ ...options, serverPid: orphan.pid, ownerPid: await deadPid() });
    expect(await waitForProcessExit(orphan.pid, 2_000)).toBe(true);
  });

  it('refuses when the owner of the running server is still alive', async () => {
    const server = sleeper();
    const owner = sleeper();
    children.push(server, owner);
    await expect(
      reclaimDataDir({ ...options, serverPid: server.pid, ownerPid: owner.pid }),
    ).rejects.toBeInstanceOf(DataDirInUseError);
    expect(isProcessAlive(server.pid)).toBe(true);
  });

  it('leaves a recycled pid alone when it runs a different program', async () => {
    const unrelated = sleeper();
    children.push(unrelated);
    await reclaimDataDir({
      ...options,
      program: 'nats-server',
      serverPid: unrelated.pid,
      ownerPid: await deadPid(),
    });
    expect(isProcessAlive(unrelated.pid)).toBe(true);
  });
});

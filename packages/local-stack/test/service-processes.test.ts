import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../src/processes.js';
import { reclaimOrphanedServices } from '../src/service-processes.js';
import { makeTempDir } from './temp-dir.js';

/** Stands in for a service: `node dist/main.js` that drains for a moment on SIGTERM and logs it to a file. */
const FAKE_SERVICE = `
import { appendFileSync } from 'node:fs';
process.on('SIGTERM', () => {
  appendFileSync('signals.log', 'SIGTERM\\n');
  setTimeout(() => process.exit(0), 200);
});
appendFileSync('ready.log', process.pid + '\\n');
setInterval(() => {}, 60_000);
`;

async function deadPid(): Promise<number> {
  const child = spawn('true', { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid ?? 999_999;
}

describe('reclaimOrphanedServices', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let serviceDir: string;
  let stateFile: string;
  const children: ChildProcess[] = [];

  async function startFakeService(): Promise<number> {
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: serviceDir,
      detached: true,
      stdio: 'ignore',
    });
    children.push(child);
    if (child.pid === undefined) throw new Error('could not spawn the fake service');
    // It lists its pid in ready.log once its SIGTERM handler is installed.
    const pid = child.pid;
    const deadline = Date.now() + 10_000;
    while (
      !(await readFile(path.join(serviceDir, 'ready.log'), 'utf8').catch(() => '')).includes(`${pid}\n`)
    ) {
      if (Date.now() > deadline) throw new Error(`the fake service ${pid} never got ready`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return pid;
  }

  beforeAll(async () => {
    temp = await makeTempDir('services');
    serviceDir = path.join(temp.dir, 'services', 'gateway');
    await mkdir(path.join(serviceDir, 'dist'), { recursive: true });
    await writeFile(path.join(serviceDir, 'dist', 'main.js'), FAKE_SERVICE);
    await writeFile(path.join(serviceDir, 'package.json'), '{ "type": "module" }\n');
    stateFile = path.join(temp.dir, 'services.json');
  });
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });
  afterAll(async () => {
    await temp.remove();
  });

  it('sends one SIGTERM to services left behind by a launcher that died, and waits for them', async () => {
    const pid = await startFakeService();
    const state = { ownerPid: await deadPid(), services: [{ name: 'gateway', pid, cwd: serviceDir }] };
    await writeFile(stateFile, JSON.stringify(state));
    const lines: string[] = [];

    expect(await reclaimOrphanedServices(stateFile, 5_000, (line) => lines.push(line))).toBeUndefined();
    expect(isProcessAlive(pid)).toBe(false);
    expect(await readFile(path.join(serviceDir, 'signals.log'), 'utf8')).toBe('SIGTERM\n');
    expect(lines.join('\n')).toContain(`gateway (pid ${pid})`);
    await expect(readFile(stateFile)).rejects.toThrow(/ENOENT/);
  });

  it('leaves the services of a launcher that is still running alone', async () => {
    const pid = await startFakeService();
    const owner = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(owner);
    const ownerPid = owner.pid ?? 0;
    await writeFile(
      stateFile,
      JSON.stringify({ ownerPid, services: [{ name: 'gateway', pid, cwd: serviceDir }] }),
    );

    expect(await reclaimOrphanedServices(stateFile, 5_000, () => {})).toEqual({ ownerAlive: ownerPid });
    expect(isProcessAlive(pid)).toBe(true);
  });

  it('ignores a recorded pid that now runs something else', async () => {
    const unrelated = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(unrelated);
    const pid = unrelated.pid ?? 0;
    await writeFile(
      stateFile,
      JSON.stringify({ ownerPid: await deadPid(), services: [{ name: 'gateway', pid, cwd: serviceDir }] }),
    );

    expect(await reclaimOrphanedServices(stateFile, 5_000, () => {})).toBeUndefined();
    expect(isProcessAlive(pid)).toBe(true);
  });
});

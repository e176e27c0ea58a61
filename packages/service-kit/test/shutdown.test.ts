import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createShutdown } from '../src/index.js';
import { recordingLogger, TEST_KEY } from './helpers.js';

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

/** A server whose `/slow` answers only when the test calls `release()`. */
async function serverWithHeldRequest() {
  const events: string[] = [];
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let markStarted = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const app = express().get('/slow', async (_req, res) => {
    markStarted();
    await held;
    res.on('finish', () => events.push('response finished'));
    res.json({ finished: true });
  });
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url, events, started, release };
}

describe('createShutdown', () => {
  it('lets an in-flight request finish, then runs the shutdown steps in order, then exits 0', async () => {
    const { server, url, events, started, release } = await serverWithHeldRequest();
    const exits: number[] = [];
    const shutdown = createShutdown({
      server,
      logger: recordingLogger().logger,
      timeoutMs: 5000,
      exit: (code) => exits.push(code),
      onShutdown: [
        async () => {
          events.push('consumers stopped');
        },
        async () => {
          events.push('pool closed');
        },
      ],
    });

    const inFlight = fetch(`${url}/slow`);
    await started;
    const done = shutdown('SIGTERM');

    // No new connections once shutdown began.
    await expect(fetch(`${url}/slow`, { headers: { connection: 'close' } })).rejects.toThrow();
    expect(events).toEqual([]);

    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });

    expect(await done).toBe(0);
    expect(events).toEqual(['response finished', 'consumers stopped', 'pool closed']);
    expect(exits).toEqual([0]);
    expect(server.listening).toBe(false);
  });

  it('runs onDrainStart once accepting stopped, so a response that would never end (SSE) lets the drain finish', async () => {
    const { server, url, events, started, release } = await serverWithHeldRequest();
    const shutdown = createShutdown({
      server,
      logger: recordingLogger().logger,
      timeoutMs: 5000,
      exit: () => {},
      onDrainStart: () => {
        events.push(`drain started (listening: ${server.listening})`);
        release();
      },
      onShutdown: [
        async () => {
          events.push('resources closed');
        },
      ],
    });
    const inFlight = fetch(`${url}/slow`);
    await started;
    expect(await shutdown('SIGTERM')).toBe(0);
    expect((await inFlight).status).toBe(200);
    expect(events).toEqual(['drain started (listening: false)', 'response finished', 'resources closed']);
  });

  it('returns the same run when called twice', async () => {
    const { server } = await serverWithHeldRequest();
    let steps = 0;
    const shutdown = createShutdown({
      server,
      logger: recordingLogger().logger,
      timeoutMs: 5000,
      exit: () => {},
      onShutdown: [
        async () => {
          steps += 1;
        },
      ],
    });
    const [first, second] = await Promise.all([shutdown('SIGTERM'), shutdown('SIGINT')]);
    expect([first, second, steps]).toEqual([0, 0, 1]);
  });

  it('runs the remaining steps after one fails and exits 1', async () => {
    const { server } = await serverWithHeldRequest();
    const { lines, logger } = recordingLogger();
    const ran: string[] = [];
    const exits: number[] = [];
    const shutdown = createShutdown({
      server,
      logger,
      timeoutMs: 5000,
      exit: (code) => exits.push(code),
      onShutdown: [
        async () => {
          throw new Error('relay flush failed');
        },
        async () => {
          ran.push('pool closed');
        },
      ],
    });
    expect(await shutdown('SIGTERM')).toBe(1);
    expect(ran).toEqual(['pool closed']);
    expect(exits).toEqual([1]);
    expect(lines.some((line) => line.msg === 'shutdown step failed')).toBe(true);
  });

  it('gives up on a request that outlives the timeout: closes it, skips the steps, exits 1', async () => {
    const { server, url, started } = await serverWithHeldRequest();
    const exits: number[] = [];
    const ran: string[] = [];
    const shutdown = createShutdown({
      server,
      logger: recordingLogger().logger,
      timeoutMs: 100,
      exit: (code) => exits.push(code),
      onShutdown: [
        async () => {
          ran.push('step');
        },
      ],
    });
    const inFlight = fetch(`${url}/slow`).catch((error: unknown) => error);
    await started;
    expect(await shutdown('SIGTERM')).toBe(1);
    expect(exits).toEqual([1]);
    expect(ran).toEqual([]);
    expect(await inFlight).toBeInstanceOf(Error);
  });
});

describe('runService', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
  });

  it('drains an in-flight request on SIGTERM before running the shutdown steps and exiting 0', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/slow-service.ts', import.meta.url));
    child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, SERVICE_KEY: TEST_KEY, SLOW_MS: '300' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const proc = child;
    const lines: Array<Record<string, unknown>> = [];
    const waiters: Array<() => void> = [];
    let buffered = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts)
        if (part.trim() !== '') lines.push(JSON.parse(part) as Record<string, unknown>);
      for (const wake of waiters.splice(0)) wake();
    });
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    async function lineWith(msg: string): Promise<Record<string, unknown>> {
      for (;;) {
        const found = lines.find((line) => line.msg === msg);
        if (found) return found;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    }

    const listening = await lineWith('listening');
    const { port } = listening.address as { port: number };
    const inFlight = fetch(`http://127.0.0.1:${port}/slow`, { headers: { 'x-service-key': TEST_KEY } });
    await lineWith('slow request started');
    proc.kill('SIGTERM');

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    expect(await exited).toBe(0);

    const order = lines
      .map((line) => String(line.msg))
      .filter((msg) =>
        [
          'slow request started',
          'shutting down',
          'request completed',
          'http server drained',
          'closing consumers',
          'closing database pool',
          'shutdown complete',
        ].includes(msg),
      );
    expect(order).toEqual([
      'slow request started',
      'shutting down',
      'request completed',
      'http server drained',
      'closing consumers',
      'closing database pool',
      'shutdown complete',
    ]);
  });
});

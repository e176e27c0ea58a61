import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findFreePort, isNatsReachable, isPostgresReachable, isRedisReachable } from '@cartwatch/local-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../src/index.js';
import { resolveTestInfrastructure } from '../src/test-infrastructure.js';

describe('resolveTestInfrastructure', () => {
  let tempDir: string;
  let nothingThere: { databaseUrl: string; natsUrl: string; redisUrl: string };

  beforeAll(async () => {
    tempDir = await mkdtemp(path.join(os.tmpdir(), 'cartwatch-test-infra-'));
    await chmod(tempDir, 0o755); // as root, embedded Postgres runs as "postgres" and must enter it
    const port = await findFreePort();
    nothingThere = {
      databaseUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
      natsUrl: `nats://127.0.0.1:${port}`,
      redisUrl: `redis://127.0.0.1:${port}`,
    };
  });
  afterAll(async () => {
    await rm(tempDir, { recursive: true, force: true });
  });

  it('uses the URLs from the environment when they answer, and starts nothing', async () => {
    const { databaseUrl, natsUrl, redisUrl } = testEnv();
    const infrastructure = await resolveTestInfrastructure({
      env: { DATABASE_URL: databaseUrl, NATS_URL: natsUrl, REDIS_URL: redisUrl },
      dataDir: path.join(tempDir, 'unused'),
      defaults: nothingThere,
    });
    expect(infrastructure).toMatchObject({ databaseUrl, natsUrl, redisUrl, started: [] });
    await infrastructure.stop();
  });

  it('uses the standard local servers when the variables are unset and they answer', async () => {
    const infrastructure = await resolveTestInfrastructure({
      env: {},
      dataDir: path.join(tempDir, 'unused'),
      defaults: testEnv(),
    });
    expect(infrastructure).toMatchObject({ ...testEnv(), started: [] });
  });

  it('fails loudly, naming the variable, when a URL that was set does not answer', async () => {
    const failure = resolveTestInfrastructure({
      env: { ...envOf(testEnv()), DATABASE_URL: nothingThere.databaseUrl },
      dataDir: path.join(tempDir, 'unused'),
    });
    await expect(failure).rejects.toThrow(/DATABASE_URL is set to .*, but no Postgres answers there/);
  });

  it('starts embedded Postgres, nats-server and redis-server when nothing answers, and stops them', async () => {
    const dataDir = path.join(tempDir, 'started');
    const lines: string[] = [];
    const infrastructure = await resolveTestInfrastructure({
      env: {},
      dataDir,
      defaults: nothingThere,
      log: (line) => lines.push(line),
    });
    try {
      expect(infrastructure.started.sort()).toEqual(['nats', 'postgres', 'redis']);
      expect(await isPostgresReachable(infrastructure.databaseUrl)).toBe(true);
      expect(await isNatsReachable(infrastructure.natsUrl, { jetstream: true })).toBe(true);
      expect(await isRedisReachable(infrastructure.redisUrl)).toBe(true);
      expect((await readdir(dataDir)).sort()).toEqual(['nats', 'postgres']);
      expect(lines).toHaveLength(3);
    } finally {
      await infrastructure.stop();
    }
    expect(await isPostgresReachable(infrastructure.databaseUrl)).toBe(false);
    expect(await isNatsReachable(infrastructure.natsUrl)).toBe(false);
    expect(await isRedisReachable(infrastructure.redisUrl)).toBe(false);
  });

  it('gives a second concurrent run its own data directories and removes them afterwards', async () => {
    const dataDir = path.join(tempDir, 'shared');
    const env = { REDIS_URL: testEnv().redisUrl };
    const [first, second] = await Promise.all([
      resolveTestInfrastructure({ env, dataDir, defaults: nothingThere }),
      resolveTestInfrastructure({ env, dataDir, defaults: nothingThere }),
    ]);
    try {
      expect(first.databaseUrl).not.toBe(second.databaseUrl);
      expect(first.natsUrl).not.toBe(second.natsUrl);
      expect(await readdir(tempDir)).toContain(`shared-${process.pid}`);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
    expect(await readdir(tempDir)).not.toContain(`shared-${process.pid}`);
  });
});

function envOf(env: { databaseUrl: string; natsUrl: string; redisUrl: string }): Record<string, string> {
  return { DATABASE_URL: env.databaseUrl, NATS_URL: env.natsUrl, REDIS_URL: env.redisUrl };
}

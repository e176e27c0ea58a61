import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findFreePort,
  isNatsReachable,
  isPostgresReachable,
  redactUrl,
  resolveInfrastructure,
} from '../src/index.js';
import { makeTempDir } from './temp-dir.js';

describe('resolveInfrastructure', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;

  beforeAll(async () => {
    temp = await makeTempDir('infra');
  });
  afterAll(async () => {
    await temp.remove();
  });

  it('starts embedded Postgres and nats-server under the data dir when no URLs are set', async () => {
    const lines: string[] = [];
    const infrastructure = await resolveInfrastructure({
      dataDir: temp.dir,
      env: { DATABASE_URL: '', REDIS_URL: undefined },
      log: (line) => lines.push(line),
    });
    try {
      expect(infrastructure.started.sort()).toEqual(['nats', 'postgres']);
      expect(infrastructure.redisUrl).toBeUndefined();
      expect(await isPostgresReachable(infrastructure.databaseUrl)).toBe(true);
      expect(await isNatsReachable(infrastructure.natsUrl, { jetstream: true })).toBe(true);
      expect(lines.join('\n')).toContain(path.join(temp.dir, 'postgres'));
      expect(lines.join('\n')).toContain(path.join(temp.dir, 'nats'));
    } finally {
      await infrastructure.stop();
    }
    expect(await isPostgresReachable(infrastructure.databaseUrl)).toBe(false);
    expect(await isNatsReachable(infrastructure.natsUrl)).toBe(false);
  });

  it('uses the servers named in the environment and starts nothing', async () => {
    const running = await resolveInfrastructure({ dataDir: temp.dir, env: {} });
    try {
      const env = {
        DATABASE_URL: running.databaseUrl,
        NATS_URL: running.natsUrl,
        REDIS_URL: 'redis://cache:6379',
      };
      const infrastructure = await resolveInfrastructure({ dataDir: path.join(temp.dir, 'unused'), env });
      expect(infrastructure).toMatchObject({ ...{ databaseUrl: env.DATABASE_URL, natsUrl: env.NATS_URL } });
      expect(infrastructure.redisUrl).toBe('redis://cache:6379');
      expect(infrastructure.started).toEqual([]);
      await infrastructure.stop();
      expect(await isPostgresReachable(running.databaseUrl)).toBe(true);
    } finally {
      await running.stop();
    }
  });

  it('skips NATS when it is not needed', async () => {
    const infrastructure = await resolveInfrastructure({
      dataDir: temp.dir,
      env: {},
      needs: { nats: false },
    });
    try {
      expect(infrastructure.started).toEqual(['postgres']);
      expect(infrastructure.natsUrl).toBe('');
    } finally {
      await infrastructure.stop();
    }
  });

  it('fails with the variable name, and a redacted URL, when a configured server does not answer', async () => {
    const port = await findFreePort();
    const databaseUrl = `postgres://app:secret@127.0.0.1:${port}/cartwatch`;
    const failure = resolveInfrastructure({
      dataDir: temp.dir,
      env: { DATABASE_URL: databaseUrl },
      needs: { nats: false },
    });
    await expect(failure).rejects.toThrow(
      `DATABASE_URL is set, but no Postgres answers at ${redactUrl(databaseUrl)}`,
    );
    await expect(failure).rejects.not.toThrow(/secret/);
  });
});

import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, isPostgresReachable, startEmbeddedPostgres } from '../src/index.js';
import { makeTempDir } from './temp-dir.js';

async function query<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('startEmbeddedPostgres', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let dataDir: string;

  beforeAll(async () => {
    temp = await makeTempDir('embedded-pg');
    dataDir = path.join(temp.dir, 'postgres');
  });
  afterAll(async () => {
    await temp.remove();
  });

  it('initialises a new cluster on a free loopback port and answers select 1 until stopped', async () => {
    const server = await startEmbeddedPostgres({ dataDir, durable: false });
    try {
      const url = new URL(server.url);
      expect(url.hostname).toBe('127.0.0.1');
      expect(url.username).toBe('postgres');
      expect(server.port).not.toBe(5432);
      expect(await query<{ one: number }>(server.url, 'select 1 as one')).toEqual([{ one: 1 }]);
      expect(
        await query(
          server.url,
          "select 1 from pg_settings where name = 'listen_addresses' and setting = '127.0.0.1'",
        ),
      ).toHaveLength(1);
      await query(server.url, 'create table survivor (id int primary key); insert into survivor values (42)');
    } finally {
      await server.stop();
    }
    expect(await isPostgresReachable(server.url)).toBe(false);
  });

  it('restarts the same cluster with its data on the remembered port', async () => {
    const state = JSON.parse(await readFile(path.join(dataDir, 'cartwatch-local-stack.json'), 'utf8')) as {
      port: number;
    };
    const server = await startEmbeddedPostgres({ dataDir, durable: false });
    try {
      expect(server.port).toBe(state.port);
      expect(await query<{ id: number }>(server.url, 'select id from survivor')).toEqual([{ id: 42 }]);
    } finally {
      await server.stop();
    }
  });

  it('moves to another free port when the remembered one has been taken meanwhile', async () => {
    const { port } = JSON.parse(await readFile(path.join(dataDir, 'cartwatch-local-stack.json'), 'utf8')) as {
      port: number;
    };
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const server = await startEmbeddedPostgres({ dataDir, durable: false });
      await server.stop();
      expect(server.port).not.toBe(port);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });

  it('refuses a second server on a data directory that is in use', async () => {
    const server = await startEmbeddedPostgres({ dataDir, durable: false });
    try {
      await expect(startEmbeddedPostgres({ dataDir })).rejects.toBeInstanceOf(DataDirInUseError);
      expect(await isPostgresReachable(server.url)).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('refuses a non-empty directory that is not a Postgres cluster', async () => {
    await expect(startEmbeddedPostgres({ dataDir: temp.dir })).rejects.toThrow(
      /not a Postgres data directory/,
    );
  });
});

/**
 * Every service as a real process: its migrations apply to an isolated schema and revert cleanly; it
 * starts, reports /ready (Postgres) and its NATS connection (`cartwatch_nats_connected` on /metrics) on
 * its management port, and on SIGTERM drains and exits 0.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceNames } from '@cartwatch/common-types';
import { createDatabase } from '@cartwatch/db';
import { findFreePort } from '@cartwatch/local-stack';
import { TEST_SERVICE_KEY, testEnv, testSchemaName } from '@cartwatch/testing';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnService } from './processes.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const schemas: string[] = [];

afterAll(async () => {
  const database = createDatabase<unknown>({
    connectionString: testEnv().databaseUrl,
    schema: 'public',
    max: 1,
  });
  for (const schema of schemas)
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
  await database.close();
});

function serviceEnv(schema: string, port = 0, managementPort = 0): NodeJS.ProcessEnv {
  const { databaseUrl, natsUrl } = testEnv();
  return {
    PATH: process.env.PATH ?? '',
    SERVICE_KEY: TEST_SERVICE_KEY,
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    DB_SCHEMA: schema,
    PORT: String(port),
    MANAGEMENT_PORT: String(managementPort),
    HOST: '127.0.0.1',
  };
}

function migrate(service: string, command: string, env: NodeJS.ProcessEnv) {
  const result = spawnSync(process.execPath, ['dist/migrate.js', command], {
    cwd: path.join(repoRoot, 'services', service),
    env,
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

async function tablesOf(schema: string): Promise<string[]> {
  const database = createDatabase<unknown>({ connectionString: testEnv().databaseUrl, schema, max: 1 });
  try {
    const { rows } = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = ${schema} order by table_name`.execute(
      database.db,
    );
    return rows.map((row) => row.table_name);
  } finally {
    await database.close();
  }
}

async function waitForReady(url: string, child: ChildProcess): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const response = await fetch(`${url}/ready`);
      if (response.status === 200) return { status: 200, body: await response.json() };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`service at ${url} never became ready (exit code ${child.exitCode})`);
}

describe.each(serviceNames)('%s', (service) => {
  it('applies its migrations to an isolated schema and reverts them one by one', () => {
    const schema = testSchemaName(service.replace('-', '_'));
    schemas.push(schema);
    const env = serviceEnv(schema);
    const up = migrate(service, 'latest', env);
    expect(up.status, up.output).toBe(0);
    expect(up.output).toContain('event_tables Success');
    return tablesOf(schema).then(async (tables) => {
      expect(tables).toEqual(expect.arrayContaining(['inbox', 'outbox', 'kysely_migration']));
      // One `down` per applied migration, newest first; the event tables are the last to go.
      const applied = up.output.split('\n').filter((line) => line.includes(' Success')).length;
      for (let step = 0; step < applied; step++) {
        const down = migrate(service, 'down', env);
        expect(down.status, down.output).toBe(0);
      }
      const after = await tablesOf(schema);
      expect(after).not.toContain('outbox');
      expect(after).not.toContain('inbox');
    });
  }, 120_000); // one process spawn per migration step; slow on a loaded machine

  it('starts, is ready with Postgres, reports NATS connected, and drains on SIGTERM with exit code 0', async () => {
    const schema = testSchemaName(service.replace('-', '_'));
    schemas.push(schema);
    const port = await findFreePort();
    const managementPort = await findFreePort();
    const env = serviceEnv(schema, port, managementPort);
    expect(migrate(service, 'latest', env).status).toBe(0);
    const { child, exited, logs: output } = spawnService(service, ['dist/main.js'], env);
    try {
      const ready = await waitForReady(`http://127.0.0.1:${managementPort}`, child);
      expect(ready.body).toEqual({ status: 'ready', checks: { postgres: 'ok' } });
      const metrics = await (await fetch(`http://127.0.0.1:${managementPort}/metrics`)).text();
      expect(metrics).toMatch(/^cartwatch_nats_connected\{[^}]*\} 1$/m);
      // The service's own port answers /health only (/ready: the key guard's 401, the gateway's 404).
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(service === 'gateway' ? 404 : 401);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await exited;
    const logs = output();
    expect(code, logs).toBe(0);
    expect(logs).toContain('shutdown complete');
    expect(logs).not.toMatch(/"level":(50|60)/);
  });
});

describe('gateway', () => {
  it('ends open SSE streams when told to stop, so the drain completes and the process exits 0', async () => {
    const schema = testSchemaName('gateway_sse');
    schemas.push(schema);
    const port = await findFreePort();
    const managementPort = await findFreePort();
    const env = serviceEnv(schema, port, managementPort);
    expect(migrate('gateway', 'latest', env).status).toBe(0);
    const { child, exited, logs: output } = spawnService('gateway', ['dist/main.js'], env);
    const base = `http://127.0.0.1:${port}`;
    let stream: ReadableStreamDefaultReader<Uint8Array> | undefined;
    try {
      await waitForReady(`http://127.0.0.1:${managementPort}`, child);
      const registered = await fetch(`${base}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: `sse-${Date.now()}@example.test`,
          password: 'a long enough password',
          displayName: 'SSE',
        }),
      });
      expect(registered.status).toBe(201);
      const { tokens } = (await registered.json()) as { tokens: { accessToken: string } };
      const events = await fetch(`${base}/me/events`, {
        headers: { authorization: `Bearer ${tokens.accessToken}` },
      });
      expect(events.status).toBe(200);
      expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
      stream = events.body?.getReader();
    } finally {
      child.kill('SIGTERM');
    }
    // The stream ends (the server closed it) instead of holding the drain until the shutdown timeout.
    for (;;) {
      const chunk = await stream?.read();
      if (!chunk || chunk.done) break;
    }
    const code = await exited;
    const logs = output();
    expect(code, logs).toBe(0);
    expect(logs).toContain('shutdown complete');
    expect(logs).not.toMatch(/"level":(50|60)/);
  });
});

/**
 * The one public API document: the gateway merges every service's /internal/openapi.json into
 * /openapi.json. Built here from the real apps of all seven services, it must pass the real Redocly
 * linter with no errors, and every route-table prefix of a service that documents routes must appear.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { routeTable } from '@cartwatch/common-types';
import { TEST_SERVICE_KEY, testEnv } from '@cartwatch/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { contractFile, type Json, mergedOpenApi } from './merged-openapi.js';

let merged: Json;
const serviceDocuments = new Map<string, Json>();

function redoclyLint(document: unknown): { status: number | null; output: string } {
  const directory = mkdtempSync(join(tmpdir(), 'cartwatch-openapi-'));
  try {
    const file = join(directory, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const cli = join(
      dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')),
      'bin/cli.js',
    );
    const result = spawnSync(process.execPath, [cli, 'lint', file, '--format=stylish'], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { PATH: process.env.PATH ?? '', HOME: directory, REDOCLY_TELEMETRY: 'off', NO_COLOR: '1' },
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  const { databaseUrl, natsUrl } = testEnv();
  merged = await mergedOpenApi(
    { SERVICE_KEY: TEST_SERVICE_KEY, DATABASE_URL: databaseUrl, NATS_URL: natsUrl, LOG_LEVEL: 'silent' },
    serviceDocuments,
  );
});

describe('the merged /openapi.json', () => {
  it('passes the Redocly linter with no errors', () => {
    const lint = redoclyLint(merged);
    expect(lint.status, lint.output).toBe(0);
  });

  it('is the committed contract the web app builds from (packages/api-contract/openapi.json)', () => {
    const committed = JSON.parse(readFileSync(contractFile, 'utf8')) as Json;
    expect(
      committed,
      'packages/api-contract/openapi.json is stale: run `pnpm api:generate` and commit it',
    ).toEqual(merged);
  });

  it('reaches every service (none reported unavailable)', () => {
    expect(merged['x-unavailable-services']).toBeUndefined();
  });

  it('lists a path for every route-table prefix of each service that documents its routes', () => {
    const paths = Object.keys(merged.paths as Json);
    const covered = (prefix: string) =>
      paths.some((path) => path === prefix || path.startsWith(`${prefix}/`));
    const documenting = new Set(
      [...serviceDocuments]
        .filter(([, doc]) => Object.keys((doc.paths ?? {}) as Json).length > 0)
        .map(([name]) => name),
    );
    const expected = routeTable.filter((entry) => documenting.has(entry.service));
    const missing = expected
      .filter((entry) => !covered(entry.prefix))
      .map((entry) => `${entry.service} ${entry.prefix}`);
    expect(missing).toEqual([]);
    for (const prefix of ['/auth', '/me/events', '/me/notifications', '/.well-known/jwks.json']) {
      expect(covered(prefix), prefix).toBe(true);
    }
  });

  it('describes only what the edge answers: no /internal path, no schema nothing refers to', () => {
    const paths = Object.keys(merged.paths as Json);
    expect(paths.filter((path) => path.startsWith('/internal'))).toEqual([]);
    const text = JSON.stringify({ ...merged, components: undefined });
    const schemas = ((merged.components as Json).schemas ?? {}) as Json;
    const referenced = new Set<string>();
    const visit = (value: unknown) => {
      for (const [, name] of JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
        if (!name || referenced.has(name)) continue;
        referenced.add(name);
        visit(schemas[name]);
      }
    };
    visit(JSON.parse(text));
    expect(Object.keys(schemas).filter((name) => !referenced.has(name))).toEqual([]);
  });
});

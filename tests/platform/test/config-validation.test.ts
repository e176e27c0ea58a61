/**
 * docs/architecture.md#operations: a bad environment stops a service at start with one message naming every bad
 * variable. Runs each service's real entry point (dist/main.js) as a child process.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceNames } from '@cartwatch/common-types';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function startWith(service: string, env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['dist/main.js'], {
    cwd: path.join(repoRoot, 'services', service),
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stderr: result.stderr };
}

describe.each(serviceNames)('%s refuses a bad environment', (service) => {
  it('exits non-zero naming every missing and invalid variable at once', () => {
    const { status, stderr } = startWith(service, {
      DATABASE_URL: 'mysql://nope',
      NATS_URL: 'http://127.0.0.1:4222',
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
    });
    expect(status).not.toBe(0);
    expect(status).not.toBeNull();
    for (const variable of ['SERVICE_KEY', 'DATABASE_URL', 'NATS_URL', 'PORT', 'LOG_LEVEL']) {
      expect(stderr).toContain(variable);
    }
    expect(stderr).toContain(service);
  });

  it('names a service key that is too short', () => {
    const { status, stderr } = startWith(service, {
      SERVICE_KEY: 'short',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      NATS_URL: 'nats://127.0.0.1:4222',
    });
    expect(status).not.toBe(0);
    expect(stderr).toContain('SERVICE_KEY');
    expect(stderr).not.toContain('DATABASE_URL');
  });
});

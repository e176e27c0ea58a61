/**
 * Every service is built the same way (docs/architecture.md#service-shape): read one and you can predict
 * the others' files, wiring and shutdown. This test fails when a service departs from the contract; the
 * router-equals-document half of it is routes-documented.test.ts, the data-access half the Biome plugins
 * (data-access-lint.test.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceNames } from '@cartwatch/common-types';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const MAIN = `/** Process entry: config, Postgres, NATS, outbox relay, consumers, HTTP; drains on SIGTERM. */
import { startService } from '@cartwatch/service-runtime';
import { serviceDefinition } from './service.js';

await startService(serviceDefinition);
`;

const MIGRATE = `/** \`migrate latest|up|down|status\` for this service's schema (DB_SCHEMA overrides it). */
import { runServiceMigrations } from '@cartwatch/service-runtime';
import { serviceDefinition } from './service.js';

process.exitCode = await runServiceMigrations(serviceDefinition);
`;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe.each(serviceNames)('%s', (name) => {
  const root = path.join(repoRoot, 'services', name);
  const src = path.join(root, 'src');
  const read = (file: string) => readFileSync(path.join(src, file), 'utf8');
  const files = sourceFiles(src);
  const relative = (file: string) => path.relative(src, file);

  it('has the files of the contract, and main.ts and migrate.ts are the shared ones', () => {
    for (const file of ['config.ts', 'app.ts', 'service.ts', 'db/schema.ts']) {
      expect(existsSync(path.join(src, file)), `${name}/src/${file}`).toBe(true);
    }
    expect(readdirSync(path.join(src, 'db/migrations')).length).toBeGreaterThan(0);
    expect(read('main.ts')).toBe(MAIN);
    expect(read('migrate.ts')).toBe(MIGRATE);
  });

  it('describes itself with defineService, and its package exports that definition', () => {
    expect(read('service.ts')).toMatch(/export const serviceDefinition = defineService</);
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, { default: string }>;
    };
    expect(manifest.exports['.']?.default).toBe('./dist/service.js');
  });

  it('builds its app with createStandardApp, reading the environment only through config.ts', () => {
    expect(read('app.ts')).toMatch(/createStandardApp\(/);
    // Process entries other than main.ts (a CLI, a migration run by migrate.ts) hand the environment to
    // the service's config schema themselves.
    const readers = files
      .map(relative)
      .filter((file) => !/^(config\.ts|cli\/|db\/migrations\/)/.test(file))
      .filter((file) => /process\.env\b/.test(read(file)));
    expect(readers).toEqual([]);
  });

  it('declares routes only with defineRoute, in <feature>.routes.ts files', () => {
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      if (/\bdefineRoute\(/.test(text)) expect(relative(file)).toMatch(/\.routes\.ts$/);
      // Mounting a route by hand (app.get('/x', ...)) or documenting one apart (registerPath) departs.
      expect(text, relative(file)).not.toMatch(/\b(app|router)\.(get|post|put|patch|delete)\(\s*['`/]/);
      expect(text, relative(file)).not.toMatch(/\.registerPath\(/);
    }
  });

  it('leaves process signals to the runtime and gives what it opens a close path (context.resources)', () => {
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(text, relative(file)).not.toMatch(/process\.(on|once)\(/);
      if (/new Redis\(/.test(text)) expect(text, relative(file)).toMatch(/resources\.add\(/);
    }
  });
});

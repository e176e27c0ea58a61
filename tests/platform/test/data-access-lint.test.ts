/**
 * The data-access rule (docs/architecture.md, "Data access") is enforced by two Biome GritQL plugins that
 * `biome ci .` runs: no query builder call and no `sql` import outside `*.repository.ts` files and
 * migrations, and no route importing a repository's functions. This proves both fire, and stay quiet
 * where they must, by linting sample files laid out like the services with the repository's own
 * biome.json plugin entries (their scoping included) and .grit files.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const biome = path.join(repoRoot, 'node_modules', '.bin', 'biome');

interface Finding {
  path: string;
  line: number;
  message: string;
}

interface BiomeReport {
  diagnostics: Array<{
    category: string;
    message: string;
    location: { path: string | null; start: { line: number } | null };
  }>;
}

/** A service file doing everything the rule forbids, one offence per line from line 3 on. */
const offendingService = `import type { Kysely } from 'kysely';
import { sql, type Transaction } from 'kysely';
import { sql as raw } from 'kysely';
import * as k from 'kysely';
export async function all(db: Kysely<any>, trx: Transaction<any>) {
  await db.selectFrom('watch').selectAll().execute();
  await trx.insertInto('watch').values({ id: '1' }).execute();
  await db.withSchema('other').updateTable('watch').set({ paused: true }).execute();
  await trx.deleteFrom('watch').execute();
  await db.transaction().execute((inner) => inner.mergeInto('watch').using('x', 'x.id', 'watch.id').execute());
  return [sql, raw, k];
}
`;

/** Kysely types, and methods that merely share a name with nothing of the builder's, are fine anywhere. */
const harmlessService = `import type { Kysely, Selectable } from 'kysely';
import { type Transaction } from 'kysely';
import { findWatch } from './watches.repository.js';
export async function read(db: Kysely<any>, trx: Transaction<any>): Promise<Selectable<any>> {
  const list = [1, 2, 3].with(0, 4);
  return { list, watch: await findWatch(db, 'id'), trx };
}
`;

const offendingRoutes = `import { findWatch } from './watches.repository.js';
import * as repo from '../prices/prices.repository.js';
import repository from './default.repository';
import { type WatchRow, listWatches } from './watches.repository.js';
export const used = [findWatch, repo, repository, listWatches];
export type Row = WatchRow;
`;

const harmlessRoutes = `import type { WatchRow } from './watches.repository.js';
import { type WatchRunRow } from './watches.repository.js';
import { getWatch } from './watches.service.js';
export const used = [getWatch];
export type Rows = [WatchRow, WatchRunRow];
`;

let workspace: string;

function write(file: string, text: string): void {
  mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true });
  writeFileSync(path.join(workspace, file), text);
}

/** Lints the workspace with the plugins exactly as biome.json configures them; returns plugin findings. */
function lint(): Finding[] {
  let output: string;
  try {
    output = execFileSync(biome, ['lint', '--reporter=json', '--max-diagnostics=none', '.'], {
      cwd: workspace,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    // Biome exits non-zero when it reports errors; the report is still on stdout.
    output = String((error as { stdout?: unknown }).stdout ?? '');
  }
  const report = JSON.parse(output) as BiomeReport;
  return report.diagnostics
    .filter((diagnostic) => diagnostic.category === 'plugin')
    .map((diagnostic) => ({
      path: diagnostic.location.path ?? '',
      line: diagnostic.location.start?.line ?? 0,
      message: diagnostic.message,
    }));
}

const linesOf = (findings: Finding[], file: string) =>
  findings
    .filter((finding) => finding.path === file)
    .map((finding) => finding.line)
    .sort((a, b) => a - b);

let findings: Finding[];

beforeAll(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'cw-data-access-'));
  const config = JSON.parse(readFileSync(path.join(repoRoot, 'biome.json'), 'utf8')) as {
    plugins: unknown[];
  };
  writeFileSync(path.join(workspace, 'biome.json'), JSON.stringify({ plugins: config.plugins }));
  cpSync(path.join(repoRoot, 'biome-plugins'), path.join(workspace, 'biome-plugins'), { recursive: true });

  write('services/sample/src/watches/watches.service.ts', offendingService);
  write('services/sample/src/events/user-deleted.handler.ts', offendingService);
  write('packages/sample/src/outbox-publish.ts', offendingService);
  write('services/sample/src/watches/watches.repository.ts', offendingService);
  write('services/sample/src/db/migrations/2026_01_01_000000_watch.ts', offendingService);
  write('packages/sample/src/migrations/event-tables.ts', offendingService);
  write('services/sample/test/watches.test.ts', offendingService);
  write('services/sample/src/prices/prices.service.ts', harmlessService);

  write('services/sample/src/watches/watches.routes.ts', offendingRoutes);
  write('services/sample/src/prices/prices.routes.ts', harmlessRoutes);
  findings = lint();
}, 60_000);

afterAll(() => {
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

describe('repositories own all SQL (biome plugin)', () => {
  it('reports every builder call and every sql import in a service, a handler and a package', () => {
    // Line 2: sql (with a type import beside it), 3: sql as raw, 4: namespace import, 6-9: selectFrom,
    // insertInto, updateTable (after withSchema), deleteFrom, 10: mergeInto inside a transaction.
    const expected = [2, 3, 4, 6, 7, 8, 9, 10];
    expect(linesOf(findings, 'services/sample/src/watches/watches.service.ts')).toEqual(expected);
    expect(linesOf(findings, 'services/sample/src/events/user-deleted.handler.ts')).toEqual(expected);
    expect(linesOf(findings, 'packages/sample/src/outbox-publish.ts')).toEqual(expected);
    expect(
      findings.find((finding) => finding.path === 'services/sample/src/watches/watches.service.ts')?.message,
    ).toMatch(/repository/);
  });

  it('lets repositories, migrations and tests build queries', () => {
    for (const file of [
      'services/sample/src/watches/watches.repository.ts',
      'services/sample/src/db/migrations/2026_01_01_000000_watch.ts',
      'packages/sample/src/migrations/event-tables.ts',
      'services/sample/test/watches.test.ts',
    ]) {
      expect(linesOf(findings, file), file).toEqual([]);
    }
  });

  it('allows kysely types and calling repositories from a service', () => {
    expect(linesOf(findings, 'services/sample/src/prices/prices.service.ts')).toEqual([]);
  });
});

describe('routes call services, not repositories (biome plugin)', () => {
  it("reports a route's value imports from a repository (named, namespace, default, mixed)", () => {
    expect(linesOf(findings, 'services/sample/src/watches/watches.routes.ts')).toEqual([1, 2, 3, 4]);
  });

  it('allows type-only imports from a repository in a route', () => {
    expect(linesOf(findings, 'services/sample/src/prices/prices.routes.ts')).toEqual([]);
  });
});

/**
 * Vitest globalSetup (`@cartwatch/testing/global-setup`, wired by defineServiceTestConfig): resolves the
 * Postgres, NATS and Redis of this test run once, in vitest's main process, and exports their URLs as
 * DATABASE_URL / NATS_URL / REDIS_URL in process.env. Workers are started after global setup and inherit
 * process.env, so tests read them with testEnv(), and code under test reading process.env sees the same.
 * Servers started here (under `<repo>/.data/test/<package>/`) are stopped by the returned teardown.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GLOBAL_SETUP_MARKER } from './test-env.js';
import { resolveTestInfrastructure } from './test-infrastructure.js';

const EXPORTED = ['DATABASE_URL', 'NATS_URL', 'REDIS_URL', GLOBAL_SETUP_MARKER] as const;

export default async function setup(): Promise<() => Promise<void>> {
  const root = findRepoRoot();
  const packageSlug = path.relative(root, process.cwd()).split(path.sep).filter(Boolean).join('-') || 'root';
  const infrastructure = await resolveTestInfrastructure({
    env: process.env,
    dataDir: path.join(root, '.data', 'test', packageSlug),
    log: (line) => process.stderr.write(`[cartwatch/testing] ${line}\n`),
  });

  const previous = EXPORTED.map((name) => [name, process.env[name]] as const);
  process.env.DATABASE_URL = infrastructure.databaseUrl;
  process.env.NATS_URL = infrastructure.natsUrl;
  process.env.REDIS_URL = infrastructure.redisUrl;
  process.env[GLOBAL_SETUP_MARKER] = '1';

  return async () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await infrastructure.stop();
  };
}

/** The directory with pnpm-workspace.yaml above the working directory (vitest runs in the package). */
function findRepoRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const start of [process.cwd(), here]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  return process.cwd();
}

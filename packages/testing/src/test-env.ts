/**
 * The URLs of the real Postgres, NATS and Redis that integration tests use. The vitest global setup
 * (`@cartwatch/testing/global-setup`) resolves them once per run and exports them to every worker
 * through process.env; testEnv() reads them back.
 */

/** Set to "1" by the global setup, so testEnv() can tell "setup ran" from "someone exported DATABASE_URL". */
export const GLOBAL_SETUP_MARKER = 'CARTWATCH_TEST_GLOBAL_SETUP';

export interface TestEnv {
  databaseUrl: string;
  natsUrl: string;
  redisUrl: string;
}

export function testEnv(): TestEnv {
  const { DATABASE_URL, NATS_URL, REDIS_URL } = process.env;
  if (process.env[GLOBAL_SETUP_MARKER] !== '1' || !DATABASE_URL || !NATS_URL || !REDIS_URL) {
    throw new Error(
      "testEnv(): the CartWatch test global setup did not run; make this package's vitest.config.ts `export default defineServiceTestConfig()` (from '@cartwatch/testing/vitest') or add globalSetup: ['@cartwatch/testing/global-setup']",
    );
  }
  return { databaseUrl: DATABASE_URL, natsUrl: NATS_URL, redisUrl: REDIS_URL };
}

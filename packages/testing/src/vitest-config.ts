/**
 * The one vitest config every CartWatch package's tests use (`@cartwatch/testing/vitest`):
 * `export default defineServiceTestConfig();` in vitest.config.ts.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeConfig, type ViteUserConfig } from 'vitest/config';

/** global-setup next to this module: `.js` in dist, `.ts` when vitest loads the sources. */
const globalSetupFile = fileURLToPath(
  new URL(`./global-setup${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

/**
 * Real servers via the global setup, tests in `test/**` and `src/**` (`*.test.ts`), 30 s per test and hook.
 * `overrides` are merged with vite's mergeConfig (arrays such as `include` are appended to).
 */
export function defineServiceTestConfig(overrides: ViteUserConfig = {}): ViteUserConfig {
  const base: ViteUserConfig = {
    test: {
      include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
      globalSetup: [globalSetupFile],
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  };
  return mergeConfig(base, overrides);
}

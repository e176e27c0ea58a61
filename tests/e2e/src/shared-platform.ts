/**
 * The platform the global setup started, as seen from a test file (a vitest worker): its addresses and
 * admin credentials. Tests that stop or restart services start a Platform of their own instead.
 */
import type { PlatformInfo } from './platform.js';

export const PLATFORM_ENV = 'CARTWATCH_E2E_PLATFORM';

export function sharedPlatform(): PlatformInfo {
  const value = process.env[PLATFORM_ENV];
  if (!value) {
    throw new Error(
      `${PLATFORM_ENV} is unset: the e2e global setup did not run; run these tests with this package's vitest.config.ts`,
    );
  }
  return JSON.parse(value) as PlatformInfo;
}

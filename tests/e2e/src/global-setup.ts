/**
 * Vitest globalSetup of the end-to-end tests: the test servers first (`@cartwatch/testing`'s setup, which
 * fails the run when Postgres, NATS or Redis cannot be had), then one platform for every e2e file. Its
 * addresses reach the workers through process.env (CARTWATCH_E2E_PLATFORM, read by sharedPlatform());
 * the teardown stops it, drops its database and stream, then stops the test servers.
 */
import setupTestInfrastructure from '@cartwatch/testing/global-setup';
import { Platform } from './platform.js';
import { PLATFORM_ENV } from './shared-platform.js';

export default async function setup(): Promise<() => Promise<void>> {
  const stopInfrastructure = await setupTestInfrastructure();
  let platform: Platform;
  try {
    platform = await Platform.start();
  } catch (error) {
    await stopInfrastructure();
    throw error;
  }
  const previous = process.env[PLATFORM_ENV];
  process.env[PLATFORM_ENV] = JSON.stringify(platform.info());
  process.stderr.write(
    `[e2e] platform up: gateway ${platform.url}, database ${platform.databaseName}, stream ${platform.streamName}, logs ${platform.logFile}\n`,
  );
  return async () => {
    if (previous === undefined) delete process.env[PLATFORM_ENV];
    else process.env[PLATFORM_ENV] = previous;
    try {
      await platform.stop();
    } finally {
      await stopInfrastructure();
    }
  };
}

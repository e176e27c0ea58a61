/** The store-sync worker of a process, built from its config (service.ts `workers`). */
import type { BackgroundWorker, ServiceContext } from '@cartwatch/service-runtime';
import { CredentialCipher } from '../accounts/credential-cipher.js';
import type { Config } from '../config.js';
import type { DB } from '../db/schema.js';
import { adaptersFromConfig } from './adapter-registry.js';
import { BrowserHost } from './browser-host.js';
import { SyncRunner } from './sync-runner.js';
import { SyncScheduler } from './sync-scheduler.js';

export function syncWorkersFromConfig(context: ServiceContext<Config, DB>): BackgroundWorker[] {
  const { config, database } = context;
  const logger = context.logger.child({ component: 'sync-scheduler' });
  if (!config.SYNC_SCHEDULER_ENABLED) return [];
  if (config.CREDENTIAL_KEYS === undefined) {
    logger.warn('SYNC_SCHEDULER_ENABLED without CREDENTIAL_KEYS: no store account can be synced');
    return [];
  }
  const adapters = adaptersFromConfig(config);
  const browser = new BrowserHost(config.CHROMIUM_PATH);
  const runner = new SyncRunner({
    database,
    cipher: new CredentialCipher(config.CREDENTIAL_KEYS),
    adapters,
    browser,
    logger,
    requestDelayMs: config.SYNC_REQUEST_DELAY_MS,
    navigationTimeoutMs: config.SYNC_NAVIGATION_TIMEOUT_MS,
    sessionMaxAgeMs: config.SYNC_SESSION_MAX_AGE_MS,
  });
  const scheduler = new SyncScheduler({
    database,
    runSync: (account) => runner.run(account),
    logger,
    syncedSlugs: adapters.slugs(),
    concurrency: config.SYNC_WORKER_CONCURRENCY,
    retailerConcurrency: config.SYNC_RETAILER_CONCURRENCY,
    retailerDelayMs: config.SYNC_RETAILER_DELAY_MS,
    intervalMs: config.SYNC_INTERVAL_MS,
    intervalJitter: config.SYNC_INTERVAL_JITTER,
    maxAttempts: config.SYNC_MAX_ATTEMPTS,
    retry: { baseMs: config.SYNC_RETRY_BASE_MS, maxMs: config.SYNC_RETRY_MAX_MS },
    leaseMs: config.SYNC_LEASE_MS,
  });
  return [
    {
      start: () => scheduler.start(),
      stop: async () => {
        await scheduler.stop();
        await browser.close();
      },
    },
  ];
}

/** How the runtime wires price-watch: its env, migrations, app and event handlers. */
import { fileURLToPath } from 'node:url';
import { defineService } from '@cartwatch/service-runtime';
import { createApp } from './app.js';
import { envSchema, sharedOptionsOf } from './config.js';
import type { DB } from './db/schema.js';
import { catalogPriceSetHandler } from './events/catalog-price-set.handler.js';
import { couponPublishedHandler } from './events/coupon-published.handler.js';
import { purchaseRecordedHandler } from './events/purchase-recorded.handler.js';
import { shrinkflationDetectedHandler } from './events/shrinkflation-detected.handler.js';
import { userDeletedHandler } from './events/user-deleted.handler.js';
import { urlCheckerFromConfig } from './watches/url-checker.factory.js';
import { WatchScheduler } from './watches/watch-scheduler.js';

export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export const serviceDefinition = defineService<typeof envSchema, DB>({
  name: 'price-watch',
  envSchema,
  migrationsFolder,
  createApp,
  eventHandlers: (context) => [
    purchaseRecordedHandler(
      { threshold: context.config.MATCH_NAME_THRESHOLD },
      sharedOptionsOf(context.config),
      context.logger,
    ),
    catalogPriceSetHandler(context.logger, sharedOptionsOf(context.config)),
    shrinkflationDetectedHandler,
    couponPublishedHandler,
    userDeletedHandler,
  ],
  // Claims are rows, so a restart picks up where the scheduler stopped.
  workers: (context) =>
    context.config.WATCH_SCHEDULER_ENABLED
      ? [
          new WatchScheduler({
            database: context.database,
            checkUrl: urlCheckerFromConfig(context.config),
            logger: context.logger.child({ component: 'watch-scheduler' }),
            concurrency: context.config.WATCH_SCHEDULER_CONCURRENCY,
            hostDelayMs: context.config.WATCH_HOST_DELAY_MS,
            checkIntervalSeconds: context.config.WATCH_CHECK_INTERVAL_SECONDS,
          }),
        ]
      : [],
});

export { createApp, envSchema };

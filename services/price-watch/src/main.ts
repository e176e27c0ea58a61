/** Process entry: config, Postgres, NATS, outbox relay, consumers, HTTP; drains on SIGTERM. */
import { createLogger, loadConfigOrExit } from '@cartwatch/service-kit';
import { createServiceDatabase, startService } from '@cartwatch/service-runtime';
import { serviceDefinition } from './service.js';
import { urlCheckerFromConfig } from './watches/url-checker.factory.js';
import { WatchScheduler } from './watches/watch-scheduler.js';

const config = loadConfigOrExit(serviceDefinition.envSchema, serviceDefinition.name);
if (config.WATCH_SCHEDULER_ENABLED) {
  // The scheduler has its own small pool; claims are rows, so a restart picks up where it stopped.
  const database = createServiceDatabase(serviceDefinition, {
    ...config,
    DB_POOL_MAX: Math.min(config.DB_POOL_MAX, 4),
  });
  const scheduler = new WatchScheduler({
    database,
    checkUrl: urlCheckerFromConfig(config),
    logger: createLogger({ service: 'price-watch', level: config.LOG_LEVEL }).child({
      component: 'watch-scheduler',
    }),
    concurrency: config.WATCH_SCHEDULER_CONCURRENCY,
    hostDelayMs: config.WATCH_HOST_DELAY_MS,
  });
  scheduler.start();
  process.once('SIGTERM', () => {
    void scheduler.stop().finally(() => database.close());
  });
}

await startService(serviceDefinition);

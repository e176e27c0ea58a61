/** How the runtime wires price-watch: its env, migrations, app and event handlers. */
import { fileURLToPath } from 'node:url';
import { defineService } from '@cartwatch/service-runtime';
import { createApp } from './app.js';
import { envSchema } from './config.js';
import type { DB } from './db/schema.js';
import { catalogPriceSetHandler } from './events/catalog-price-set.handler.js';
import { couponPublishedHandler } from './events/coupon-published.handler.js';
import { purchaseRecordedHandler } from './events/purchase-recorded.handler.js';
import { shrinkflationDetectedHandler } from './events/shrinkflation-detected.handler.js';
import { userDeletedHandler } from './events/user-deleted.handler.js';

export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export const serviceDefinition = defineService<typeof envSchema, DB>({
  name: 'price-watch',
  envSchema,
  migrationsFolder,
  createApp,
  eventHandlers: (context) => [
    purchaseRecordedHandler({ threshold: context.config.MATCH_NAME_THRESHOLD }),
    catalogPriceSetHandler(context.logger),
    shrinkflationDetectedHandler,
    couponPublishedHandler,
    userDeletedHandler,
  ],
});

export { createApp, envSchema };

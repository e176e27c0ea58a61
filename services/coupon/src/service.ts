/** How the runtime wires coupon: its env, migrations and app. */
import { fileURLToPath } from 'node:url';
import { defineService } from '@cartwatch/service-runtime';
import { createApp } from './app.js';
import { envSchema } from './config.js';
import type { DB } from './db/schema.js';
import { priceObservedHandler, priceSharedHandler } from './events/price-observed.handler.js';
import { productMatchedHandler } from './events/product-matched.handler.js';
import { purchaseRecordedHandler } from './events/purchase-recorded.handler.js';
import { userDeletedHandler } from './events/user-deleted.handler.js';

export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export const serviceDefinition = defineService<typeof envSchema, DB>({
  name: 'coupon',
  envSchema,
  migrationsFolder,
  createApp,
  eventHandlers: () => [
    priceObservedHandler,
    priceSharedHandler,
    purchaseRecordedHandler,
    productMatchedHandler,
    userDeletedHandler,
  ],
});

export { createApp, envSchema };

/** How the runtime wires orders: its env, migrations, app, consumed events and the order sweeper. */
import { fileURLToPath } from 'node:url';
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import { defineService } from '@cartwatch/service-runtime';
import type { Transaction } from 'kysely';
import { createApp } from './app.js';
import { envSchema } from './config.js';
import type { DB } from './db/schema.js';
import { purgeUserData } from './events/user-deleted.handler.js';
import { OrderSweeper } from './orders/order-sweeper.js';

export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export const serviceDefinition = defineService<typeof envSchema, DB>({
  name: 'orders',
  envSchema,
  migrationsFolder,
  createApp,
  eventHandlers: () => [
    defineHandler(eventCatalog.userDeleted, (trx: Transaction<DB>, event) => purgeUserData(trx, event.data)),
  ],
  workers: ({ database, logger, config }) => [
    new OrderSweeper({
      deps: { database },
      logger,
      intervalMs: config.ORDER_SWEEP_INTERVAL_MS,
      idempotencyKeyTtlHours: config.IDEMPOTENCY_KEY_TTL_HOURS,
    }),
  ],
});

export { createApp, envSchema };

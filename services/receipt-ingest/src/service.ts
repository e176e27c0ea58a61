/** How the runtime wires receipt-ingest: its env, migrations and app. */
import { fileURLToPath } from 'node:url';
import { defineService } from '@cartwatch/service-runtime';
import { createApp } from './app.js';
import { envSchema } from './config.js';
import type { DB } from './db/schema.js';
import { productMatchedHandler } from './events/product-matched.handler.js';
import { userDeletedHandler } from './events/user-deleted.handler.js';
import { photoWorkersFromConfig } from './receipts/photo/photo-worker.js';
import { syncWorkersFromConfig } from './scraping/sync-worker.factory.js';

export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export const serviceDefinition = defineService<typeof envSchema, DB>({
  name: 'receipt-ingest',
  envSchema,
  migrationsFolder,
  createApp,
  eventHandlers: () => [productMatchedHandler, userDeletedHandler],
  // Sync jobs and photo OCR jobs are rows leased by the workers, so a restart picks up where it stopped.
  workers: (context) => [...syncWorkersFromConfig(context), ...photoWorkersFromConfig(context)],
});

export { createApp, envSchema };

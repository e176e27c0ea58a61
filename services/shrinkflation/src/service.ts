/** How the runtime wires shrinkflation: its env, migrations, app and event handlers. */
import { fileURLToPath } from 'node:url';
import { defineService } from '@cartwatch/service-runtime';
import { createApp } from './app.js';
import { envSchema } from './config.js';
import type { DB } from './db/schema.js';
import { detectionSettingsFrom } from './detection/detection.service.js';
import { priceObservedHandler } from './events/price-observed.handler.js';
import { userDeletedHandler } from './events/user-deleted.handler.js';

export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export const serviceDefinition = defineService<typeof envSchema, DB>({
  name: 'shrinkflation',
  envSchema,
  migrationsFolder,
  createApp: (context) => createApp(context),
  eventHandlers: (context) => [
    priceObservedHandler(detectionSettingsFrom(context.config)),
    userDeletedHandler,
  ],
});

export { createApp, envSchema };

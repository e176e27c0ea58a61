/** How the runtime wires cart-device: its env, migrations and app. */
import { fileURLToPath } from 'node:url';
import { defineService } from '@cartwatch/service-runtime';
import { createApp } from './app.js';
import { envSchema } from './config.js';
import type { DB } from './db/schema.js';
import { userDeletedHandler } from './events/user-deleted.handler.js';

export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export const serviceDefinition = defineService<typeof envSchema, DB>({
  name: 'cart-device',
  envSchema,
  migrationsFolder,
  createApp: (context) => createApp(context),
  eventHandlers: () => [userDeletedHandler],
});

export { createApp, envSchema };

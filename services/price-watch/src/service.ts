/** How the runtime wires price-watch: its env, migrations and app. */
import { fileURLToPath } from 'node:url';
import { defineService } from '@cartwatch/service-runtime';
import { createApp } from './app.js';
import { envSchema } from './config.js';
import type { DB } from './db/schema.js';

export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export const serviceDefinition = defineService<typeof envSchema, DB>({
  name: 'price-watch',
  envSchema,
  migrationsFolder,
  createApp,
});

export { createApp, envSchema };

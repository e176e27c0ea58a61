/** How the runtime wires gateway: its env, migrations and app. */
import { fileURLToPath } from 'node:url';
import { defineService } from '@cartwatch/service-runtime';
import { createApp, ownOpenApiDocument } from './app.js';
import { envSchema } from './config.js';
import type { DB } from './db/schema.js';
import { alertCreatedHandler } from './events/alert-created.handler.js';
import { exportWorkersFromConfig } from './export/export-worker.factory.js';
import { deliveryPolicyOf, deliveryWorkersFromConfig } from './notifications/delivery-worker.factory.js';

export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export const serviceDefinition = defineService<typeof envSchema, DB>({
  name: 'gateway',
  envSchema,
  migrationsFolder,
  createApp,
  eventHandlers: (context) => [alertCreatedHandler(deliveryPolicyOf(context.config))],
  workers: (context) => [...deliveryWorkersFromConfig(context), ...exportWorkersFromConfig(context)],
});

/** One line of the development mailbox (DEV_MAILBOX_FILE), for the tools that read codes from it. */
export type { MailboxEntry } from './notify/notifier.js';
export { createApp, envSchema, ownOpenApiDocument };

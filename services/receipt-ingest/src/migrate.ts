/** `migrate latest|up|down|status` for this service's schema (DB_SCHEMA overrides it). */
import { runServiceMigrations } from '@cartwatch/service-runtime';
import { serviceDefinition } from './service.js';

process.exitCode = await runServiceMigrations(serviceDefinition);

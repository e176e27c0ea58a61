/** Builds what an app needs from validated config and a database; shared by startService and tests. */
import { type ServiceName, services } from '@cartwatch/common-types';
import { createDatabase, type Database, pingDatabase } from '@cartwatch/db';
import {
  type BaseServiceEnv,
  createLogger,
  createManagementApp,
  createMetricsRegistry,
  loadConfig,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { AppResources } from './app-resources.js';
import type { ServiceDefinition } from './service-definition.js';
import type { AppContext } from './standard-app.js';

/** The service's pool, bound to its schema (or the DB_SCHEMA override). */
export function createServiceDatabase<S extends z.ZodObject<z.ZodRawShape>, DB>(
  definition: ServiceDefinition<S, DB>,
  config: BaseServiceEnv,
): Database<DB> {
  return createDatabase<DB>({
    connectionString: config.DATABASE_URL,
    schema: config.DB_SCHEMA ?? services[definition.name].schema,
    max: config.DB_POOL_MAX,
    applicationName: definition.name,
  });
}

export function createAppContext<S extends z.ZodObject<z.ZodRawShape>, DB>(
  definition: ServiceDefinition<S, DB>,
  options: { config: z.infer<S> & BaseServiceEnv; database: Database<DB>; logger?: Logger },
): AppContext<z.infer<S> & BaseServiceEnv, DB> {
  const { config, database } = options;
  return {
    config,
    database,
    logger: options.logger ?? createLogger({ service: definition.name, level: config.LOG_LEVEL }),
    registry: createMetricsRegistry(definition.name),
    readiness: {
      postgres: async () => {
        await pingDatabase(database.db);
      },
    },
    resources: new AppResources(),
  };
}

/** The management port's app (/health, /ready, /metrics) of a service, over its context's registry and checks. */
export function createServiceManagementApp<Config extends BaseServiceEnv, DB>(
  name: ServiceName,
  context: Pick<AppContext<Config, DB>, 'logger' | 'registry' | 'readiness'>,
): Express {
  return createManagementApp({
    service: name,
    logger: context.logger,
    registry: context.registry,
    readiness: context.readiness,
  });
}

/**
 * An app built from an env map, as the process would build it, without NATS or a listening socket:
 * what integration tests drive with supertest; `managementApp` is what the management port serves.
 * `close()` does what the process does on SIGTERM after the drain: runs the drain hooks, closes what the
 * app opened (its resources, last first), then the database pool.
 */
export function createAppFromEnv<S extends z.ZodObject<z.ZodRawShape>, DB>(
  definition: ServiceDefinition<S, DB>,
  env: NodeJS.ProcessEnv,
  options: { logger?: Logger } = {},
): { app: Express; managementApp: Express; database: Database<DB>; close(): Promise<void> } {
  const config = loadConfig(definition.envSchema, env) as z.infer<S> & BaseServiceEnv;
  const database = createServiceDatabase(definition, config);
  const context = createAppContext(definition, { config, database, ...options });
  return {
    app: definition.createApp(context),
    managementApp: createServiceManagementApp(definition.name, context),
    database,
    close: async () => {
      try {
        context.resources.drainStarted(context.logger);
        await context.resources.dispose(context.logger);
      } finally {
        await database.close();
      }
    },
  };
}

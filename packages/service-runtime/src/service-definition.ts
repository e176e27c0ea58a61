/**
 * A service tells the runtime what it is (name, env schema, migrations, app, event handlers); the
 * runtime wires the process the same way for all seven.
 */
import type { ServiceName } from '@cartwatch/common-types';
import type { Database } from '@cartwatch/db';
import type { EventHandlerMap } from '@cartwatch/events';
import type { BaseServiceEnv } from '@cartwatch/service-kit';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import type { AppResources } from './app-resources.js';
import type { AppContext } from './standard-app.js';

export interface ServiceContext<Config, DB> {
  config: Config;
  logger: Logger;
  database: Database<DB>;
  nc: NatsConnection;
  /** Prometheus registry of this process; the app serves it on /metrics. */
  registry: Registry;
  /** Checks behind /ready: each resolves when its dependency is usable. */
  readiness: Record<string, () => Promise<void>>;
  /** What the app opens itself, with disposers; closed after the HTTP drain, last opened first. */
  resources: AppResources;
}

/** A periodic job of the process (a sweeper, a scheduler): started after the relay, stopped before it. */
export interface BackgroundWorker {
  start(): void;
  /** Resolves once the work in flight is finished. */
  stop(): Promise<void>;
}

export interface ServiceDefinition<S extends z.ZodObject<z.ZodRawShape>, DB> {
  name: ServiceName;
  envSchema: S;
  migrationsFolder: string;
  createApp(context: AppContext<z.infer<S> & BaseServiceEnv, DB>): Express;
  /** Handlers of the service's durable consumer (named after the service); none = no consumer. */
  eventHandlers?(context: ServiceContext<z.infer<S> & BaseServiceEnv, DB>): EventHandlerMap;
  /** Background jobs of the process; none by default. Not run by `createAppFromEnv` (tests drive them). */
  workers?(context: ServiceContext<z.infer<S> & BaseServiceEnv, DB>): BackgroundWorker[];
}

export function defineService<S extends z.ZodObject<z.ZodRawShape>, DB>(
  definition: ServiceDefinition<S, DB>,
): ServiceDefinition<S, DB> {
  return definition;
}

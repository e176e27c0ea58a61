/**
 * The process of every service: config -> logger -> Postgres -> NATS -> outbox relay -> consumer -> HTTP;
 * on SIGTERM the reverse: stop accepting (ending SSE streams), finish requests, drain the consumer, stop
 * the workers, close what the app opened, flush the relay, close NATS and the pool.
 */
import { services } from '@cartwatch/common-types';
import { runMigrateCli } from '@cartwatch/db';
import {
  connectNats,
  type EnsureStreamOptions,
  EventConsumer,
  ensureStream,
  OutboxRelay,
} from '@cartwatch/events';
import { type BaseServiceEnv, loadConfigOrExit, runService } from '@cartwatch/service-kit';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { createAppContext, createServiceDatabase, createServiceManagementApp } from './app-context.js';
import { registerNatsConnectionMetrics } from './nats-health.js';
import type { ServiceContext, ServiceDefinition } from './service-definition.js';
import { migrateEnvSchema } from './service-env.js';
import type { AppContext } from './standard-app.js';

/** Retries `step` with capped backoff until it succeeds or `signal` aborts (NATS may come up after us). */
async function retryUntilDone(step: () => Promise<void>, logger: Logger, what: string, signal: AbortSignal) {
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      await step();
      return;
    } catch (error) {
      const delay = Math.min(200 * 2 ** attempt, 5_000);
      logger.warn({ err: error, attempt, retryInMs: delay }, `${what} failed; retrying`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * The context of the running process: the app context with its NATS connection. Readiness stays the
 * app context's (Postgres): a pod that can reach its database can serve, and its writes queue in the
 * outbox while NATS is away; NATS health is the `cartwatch_nats_connected` gauge (docs/deploy.md,
 * "Readiness means can serve").
 */
export function processContext<Config extends BaseServiceEnv, DB>(
  appContext: AppContext<Config, DB>,
  nc: NatsConnection,
): ServiceContext<Config, DB> {
  registerNatsConnectionMetrics(nc, appContext.registry);
  return { ...appContext, nc };
}

/** The stream every service creates or updates on start, from its EVENTS_STREAM_* configuration. */
export function streamSettings(config: BaseServiceEnv): EnsureStreamOptions {
  return {
    name: config.EVENTS_STREAM,
    subjectPrefix: config.EVENTS_SUBJECT_PREFIX,
    replicas: config.EVENTS_STREAM_REPLICAS,
    maxBytes: config.EVENTS_STREAM_MAX_BYTES,
    maxAgeMs: config.EVENTS_STREAM_MAX_AGE_MS,
  };
}

export async function startService<S extends z.ZodObject<z.ZodRawShape>, DB>(
  definition: ServiceDefinition<S, DB>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const config = loadConfigOrExit(definition.envSchema, definition.name, env) as z.infer<S> & BaseServiceEnv;
  const database = createServiceDatabase(definition, config);
  const appContext = createAppContext(definition, { config, database });
  const { logger, registry } = appContext;
  // Start-up waits (retrying) for a first NATS connection instead of crash-looping; once running, a NATS
  // outage never fails an API write (the outbox keeps the events) nor /ready; /metrics reports it.
  logger.info('connecting to NATS');
  const nc = await connectNats({ servers: config.NATS_URL, name: definition.name, waitOnFirstConnect: true });
  const context = processContext(appContext, nc);

  const events = { streamName: config.EVENTS_STREAM, subjectPrefix: config.EVENTS_SUBJECT_PREFIX };
  const relay = new OutboxRelay({ database, nc, logger, registry, subjectPrefix: events.subjectPrefix });
  relay.start();
  const workers = definition.workers?.(context) ?? [];
  for (const worker of workers) worker.start();

  const handlers = definition.eventHandlers?.(context) ?? [];
  const consumer =
    handlers.length > 0
      ? new EventConsumer({ name: definition.name, database, nc, logger, handlers, registry, ...events })
      : undefined;
  const startup = new AbortController();
  const consumerStarted = retryUntilDone(
    async () => {
      await ensureStream(nc, streamSettings(config));
      await consumer?.start();
    },
    logger,
    'event stream/consumer setup',
    startup.signal,
  );

  const app = definition.createApp(context);
  await runService({
    app,
    host: config.HOST,
    port: config.PORT,
    // The process's registry (with the NATS gauge) and readiness (Postgres).
    managementApp: createServiceManagementApp(definition.name, context),
    managementPort: config.MANAGEMENT_PORT,
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
    onDrainStart: () => context.resources.drainStarted(logger),
    onShutdown: [
      async () => {
        startup.abort();
        await consumerStarted;
        await consumer?.stop();
      },
      async () => {
        await Promise.all(workers.map((worker) => worker.stop()));
      },
      () => context.resources.dispose(logger),
      () => relay.stop(),
      () => nc.drain(),
      () => database.close(),
    ],
  });
}

/** `migrate latest|up|down|status` for a service; returns the process exit code. */
export async function runServiceMigrations<S extends z.ZodObject<z.ZodRawShape>, DB>(
  definition: ServiceDefinition<S, DB>,
  options: { argv?: string[]; env?: NodeJS.ProcessEnv; out?: (line: string) => void } = {},
): Promise<number> {
  const parsed = migrateEnvSchema.safeParse(options.env ?? process.env);
  if (!parsed.success) {
    process.stderr.write(`${definition.name} migrate: DATABASE_URL must be a postgres:// URL\n`);
    return 2;
  }
  return runMigrateCli({
    schema: parsed.data.DB_SCHEMA ?? services[definition.name].schema,
    migrationsFolder: definition.migrationsFolder,
    connectionString: parsed.data.DATABASE_URL,
    argv: options.argv ?? process.argv.slice(2),
    ...(options.out && { out: options.out }),
  });
}

/**
 * The env variables every CartWatch service reads. Services extend this object with their own variables;
 * every variable carries a `.describe()` because docs/configuration.md is generated from the descriptions.
 */
import { type ServiceName, STREAM_NAME, SUBJECT_PREFIX, services } from '@cartwatch/common-types';
import { z } from 'zod';
import { DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './http-server.js';

const port = z.coerce.number().int().min(0).max(65_535);
const natsServer = /^(nats|tls):\/\/[^\s,]+$/;

export const baseServiceEnv = z.object({
  NODE_ENV: z
    .enum(['development', 'test', 'production'])
    .default('development')
    .describe('Runtime environment; `production` expects real secrets and external infrastructure.'),
  HOST: z.string().min(1).default('0.0.0.0').describe('Interface the HTTP server binds to.'),
  PORT: port.describe('TCP port the HTTP server listens on.'),
  MANAGEMENT_PORT: port.describe(
    'TCP port of the management endpoints `/health`, `/ready` and `/metrics` (probes and Prometheus); never routed by the public edge. The service port answers only `/health`.',
  ),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('Minimum pino log level.'),
  SERVICE_KEY: z
    .string()
    .min(32)
    .describe(
      'Shared secret (at least 32 characters) the gateway and peer services send as `X-Service-Key`; ' +
        'every route except /health, /ready and /metrics requires it.',
    ),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .describe('Postgres connection URL.'),
  DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case Postgres identifier')
    .optional()
    .describe("Overrides the service's own Postgres schema; meant for tests and local experiments."),
  DB_POOL_MAX: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(10)
    .describe('Maximum Postgres pool connections.'),
  NATS_URL: z
    .string()
    .refine(
      (value) => value.split(',').every((server) => natsServer.test(server.trim())),
      'must be one or more comma-separated nats:// (or tls://) URLs',
    )
    .describe('NATS server URL(s), comma-separated, e.g. `nats://127.0.0.1:4222`.'),
  EVENTS_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, dashes and underscores')
    .default(STREAM_NAME)
    .describe(
      'JetStream stream of the events (outbox relay, consumers, SSE push); tests and side-by-side deployments use their own.',
    ),
  EVENTS_SUBJECT_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, dashes and underscores')
    .default(SUBJECT_PREFIX)
    .describe(
      'Subject prefix of that stream: events are `<prefix>.<event type>`, dead letters `<prefix>.dlq.<consumer>`.',
    ),
  EVENTS_STREAM_REPLICAS: z.coerce
    .number()
    .int()
    .min(1)
    .max(5)
    .default(1)
    .describe(
      'Copies of the stream on different NATS servers (JetStream `num_replicas`, at most the cluster size); every service applies it on start, so give them all the same. Production: 3.',
    ),
  EVENTS_STREAM_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(-1)
    .refine((value) => value !== 0, 'a positive number of bytes, or -1 for no limit')
    .default(-1)
    .describe(
      'Largest size of the stream in bytes (-1 = no limit). When full, publishes are refused and events wait in the outbox (alert on its age) instead of unconsumed events being dropped.',
    ),
  EVENTS_STREAM_MAX_AGE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      'Events older than this leave the stream (0 = no age limit); consumers further behind lose them, so keep it well above any expected outage.',
    ),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
    .optional()
    .describe(
      'Redis URL for shared rate limits and caches. Unset = in-memory fallbacks, correct for a single instance only.',
    ),
  SHUTDOWN_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(10_000)
    .describe('On SIGTERM, how long in-flight work may take before the process exits with status 1.'),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'must be a size like 512kb or 1mb')
    .default('1mb')
    .describe('Largest accepted JSON request body (e.g. `512kb`, `1mb`); larger bodies get 413.'),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(3_600_000)
    .default(DEFAULT_REQUEST_TIMEOUT_MS)
    .describe(
      'A whole request (headers and body) must arrive within this, or it is answered 408 and its connection closed: ' +
        'cuts slow ("slowloris") bodies. Large uploads over slow links need it (20 MB in 120 s is about 1.4 Mbit/s).',
    ),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(600_000)
    .default(DEFAULT_HEADERS_TIMEOUT_MS)
    .describe('Request headers must arrive within this (at most HTTP_REQUEST_TIMEOUT_MS), or 408.'),
  TRUST_PROXY: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      'Number of reverse-proxy hops in front of the service whose X-Forwarded-* headers are trusted.',
    ),
});

export type BaseServiceEnv = z.output<typeof baseServiceEnv>;

/** `baseServiceEnv` with PORT and MANAGEMENT_PORT defaulting to the service's registered ports (docs/architecture.md#ports). */
export function serviceEnv(service: ServiceName) {
  return baseServiceEnv.extend({
    PORT: port.default(services[service].port).describe('TCP port the HTTP server listens on.'),
    MANAGEMENT_PORT: port
      .default(services[service].managementPort)
      .describe(baseServiceEnv.shape.MANAGEMENT_PORT.description ?? ''),
  });
}

/** A `true`/`false` variable (anything else is a configuration problem); `fallback` when unset. */
export function envFlag(fallback: boolean) {
  return z
    .enum(['true', 'false'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true');
}

/** A comma-separated list: entries trimmed, empty ones dropped; `[]` when unset. */
export const commaList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
  );

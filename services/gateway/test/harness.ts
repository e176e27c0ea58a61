/**
 * Builds gateway apps for tests: an isolated schema, real Redis for rate limits (own key prefix), test
 * signing keys, a notifier that records codes instead of sending them, and a recording upstream.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { services, type UserRole, upstreamServices } from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import { createHttpServer, loadConfig } from '@cartwatch/service-kit';
import type { OutboundTransport } from '@cartwatch/service-kit/safe-http';
import { type AppContext, createAppContext, createServiceManagementApp } from '@cartwatch/service-runtime';
import {
  createTestDatabase,
  TEST_SERVICE_KEY,
  type TestDatabase,
  testEnv,
  uniqueSuffix,
} from '@cartwatch/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import type { JWK } from 'jose';
import pino, { type Logger } from 'pino';
import webpush from 'web-push';
import { buildGateway, type GatewayApp } from '../src/app.js';
import type { Config } from '../src/config.js';
import type { DB } from '../src/db/schema.js';
import { createDeliveryWorker } from '../src/notifications/delivery-worker.factory.js';
import type { DeliveryWorker } from '../src/notifications/delivery-worker.js';
import type { EmailMessage, Notifier } from '../src/notify/notifier.js';
import { migrationsFolder, serviceDefinition } from '../src/service.js';
import { AccessTokens } from '../src/tokens/access-token.js';
import { generateSigningJwk, loadSigningKeys } from '../src/tokens/signing-keys.js';

export const signingKey: JWK = generateSigningJwk('test-key-1');
/** One VAPID pair for every test gateway of the run (no key file is written). */
export const vapidKeys = webpush.generateVAPIDKeys();

/** The default transport of test gateways: nothing is resolved or dialed unless a test passes its own. */
export const refusingTransport: OutboundTransport = {
  async resolve(hostname) {
    throw new Error(`tests do not resolve ${hostname}: pass a transport`);
  },
  async connect({ servername }) {
    throw new Error(`tests do not dial ${servername}: pass a transport`);
  },
};

export class RecordingNotifier implements Notifier {
  readonly emails: EmailMessage[] = [];
  readonly texts: { to: string; text: string }[] = [];
  async sendEmail(message: EmailMessage) {
    this.emails.push(message);
  }
  async sendSms(message: { to: string; text: string }) {
    this.texts.push(message);
  }
  /** The 6-digit code of the newest message to `to`. */
  lastCode(to: string): string {
    const messages = [...this.emails.map((m) => ({ to: m.to, text: m.text })), ...this.texts];
    const last = messages.filter((m) => m.to === to).at(-1);
    const code = last && /\b(\d{6})\b/.exec(last.text)?.[1];
    if (!code) throw new Error(`no code sent to ${to}`);
    return code;
  }
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Bytes of the body the upstream received in full. */
  bodyBytes: number;
}

export interface RecordingUpstream {
  url: string;
  /** Requests whose body arrived whole (an aborted request is not recorded). */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
    });
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export async function createGatewayDatabase(): Promise<TestDatabase<DB>> {
  return createTestDatabase<DB>({ prefix: 'gateway', migrationsFolder });
}

export interface TestGateway extends GatewayApp {
  notifier: RecordingNotifier;
  /** The delivery worker over the same schema (not running: `deliver()` runs it until nothing is due). */
  deliveries: DeliveryWorker;
  /** Sends everything due now (codes, notices, alerts) and waits for the outcomes. */
  deliver(): Promise<void>;
  /** The newest code sent to `to`, once the gateway's deferred work and the delivery worker have run. */
  codeSentTo(to: string): Promise<string>;
  /** What the app was built from: the config, the registry and the readiness checks. */
  context: AppContext<Config, DB>;
}

export function gatewayEnv(
  database: TestDatabase<DB>,
  env: Record<string, string> = {},
): Record<string, string> {
  const { databaseUrl, natsUrl, redisUrl } = testEnv();
  return {
    SERVICE_KEY: TEST_SERVICE_KEY,
    DATABASE_URL: databaseUrl,
    DB_SCHEMA: database.schema,
    NATS_URL: natsUrl,
    REDIS_URL: redisUrl,
    LOG_LEVEL: 'silent',
    JWT_SIGNING_KEYS: JSON.stringify([signingKey]),
    VAPID_PUBLIC_KEY: vapidKeys.publicKey,
    VAPID_PRIVATE_KEY: vapidKeys.privateKey,
    VAPID_SUBJECT: 'mailto:tests@cartwatch.test',
    RATE_LIMIT_KEY_PREFIX: `test:${uniqueSuffix()}`,
    ...Object.fromEntries(upstreamServices.map((name) => [services[name].urlEnv, 'http://127.0.0.1:1'])),
    ...env,
  };
}

/** A gateway app over `database`; `env` overrides variables; `realNotifier` keeps the configured delivery. */
export async function createTestGateway(
  database: TestDatabase<DB>,
  env: Record<string, string> = {},
  options: {
    realNotifier?: boolean;
    /** Delivers codes instead of the recording notifier (e.g. the real one, wrapped). */
    notifier?: (config: Config, logger: Logger) => Notifier;
    /** How the delivery worker reaches webhooks and push endpoints (default: it reaches nothing). */
    transport?: OutboundTransport;
    nc?: NatsConnection;
    now?: () => number;
    logger?: Logger;
    proxyFastPath?: boolean;
  } = {},
): Promise<TestGateway> {
  const config = loadConfig(serviceDefinition.envSchema, gatewayEnv(database, env));
  const logger = options.logger ?? pino({ level: 'silent' });
  const context = createAppContext(serviceDefinition, { config, database, logger });
  const recording = new RecordingNotifier();
  const notifier = options.notifier?.(config, logger) ?? (options.realNotifier ? undefined : recording);
  const gateway = buildGateway(context, {
    ...(options.nc && { nc: options.nc }),
    ...(options.now && { now: options.now }),
    ...(options.proxyFastPath === false && { proxyFastPath: false }),
  });
  const deliveries = createDeliveryWorker(context, {
    ...(notifier && { notifier }),
    transport: options.transport ?? refusingTransport,
  });
  await gateway.ready;
  return {
    ...gateway,
    notifier: recording,
    context,
    deliveries,
    deliver: () => deliveries.drain(),
    async codeSentTo(to) {
      await gateway.auth.idle();
      await deliveries.drain();
      return recording.lastCode(to);
    },
    async close() {
      await deliveries.stop();
      await gateway.close();
    },
  };
}

const testTokens = new AccessTokens(
  loadSigningKeys({ signingKeys: JSON.stringify([signingKey]), keyFile: '/nonexistent', production: true }),
  { issuer: 'cartwatch-gateway', audience: 'cartwatch', ttlSeconds: 900 },
);

/** A valid access token for the test signing key (default issuer and audience). */
export function mintAccessToken(user: {
  id: string;
  role?: UserRole;
  retailer?: string;
  sessionId?: string;
}): Promise<string> {
  return testTokens.sign({
    userId: user.id,
    role: user.role ?? 'user',
    retailer: user.retailer ?? null,
    sessionId: user.sessionId ?? newId(),
  });
}

export interface ServedGateway {
  /** The public port. */
  url: string;
  /** The management port (/health, /ready, /metrics), when the process serves one. */
  managementUrl: string | undefined;
  gateway: TestGateway;
  close(): Promise<void>;
}

async function listenOnLoopback(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/**
 * A gateway over a migrated schema of its own, listening on loopback the way `runService` serves a
 * service: its public port through service-kit's createHttpServer with the configured time limits, and
 * the management app on a port of its own. Every upstream points at `upstreamUrl`.
 */
export async function serveGateway(options: {
  upstreamUrl: string;
  env?: Record<string, string>;
}): Promise<ServedGateway> {
  const database = await createGatewayDatabase();
  const urls = Object.fromEntries(
    upstreamServices.map((name) => [services[name].urlEnv, options.upstreamUrl]),
  );
  const gateway = await createTestGateway(database, { ...urls, ...options.env });
  const { config, logger } = gateway.context;
  const limits = {
    logger,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
  };
  const server = createHttpServer(gateway.app, limits);
  const managementServer = createHttpServer(createServiceManagementApp('gateway', gateway.context), limits);
  const url = await listenOnLoopback(server);
  const managementUrl = await listenOnLoopback(managementServer);
  return {
    url,
    managementUrl,
    gateway,
    async close() {
      await Promise.all([closeServer(server), closeServer(managementServer)]);
      await gateway.close();
      await database.drop();
    },
  };
}

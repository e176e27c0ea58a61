/**
 * The gateway HTTP app: the single front door. Client identity headers are stripped before anything
 * else; the route table is proxied (before any body parser, so bodies stream through untouched) after
 * authentication and rate limits; then the gateway's own routes (identity, tokens). Never listens.
 */
import { upstreamServices } from '@cartwatch/common-types';
import { connectNats } from '@cartwatch/events';
import {
  buildOpenApiDocument,
  httpDurationHistogram,
  mountRoutes,
  type OpenAPIRegistry,
  type OpenApiDocument,
  serviceKeyVerifier,
} from '@cartwatch/service-kit';
import { connectRedis } from '@cartwatch/service-kit/rate-limits';
import { type AppContext, createStandardApp } from '@cartwatch/service-runtime';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Express } from 'express';
import { createRetailerDirectory } from './admin/retailer-directory.js';
import { userAdminRoutes } from './admin/user-admin.routes.js';
import { UserAdminService } from './admin/user-admin.service.js';
import { AccountService } from './auth/account.service.js';
import { authRoutes } from './auth/auth.routes.js';
import { AuthService, deriveCodeSecret } from './auth/auth.service.js';
import { identityOf, requireSession } from './auth/authenticate.js';
import { OneTimeCodes } from './auth/one-time-codes.js';
import { PasswordHasher } from './auth/password.js';
import { SessionRevocations } from './auth/session-revocations.js';
import { type Config, upstreamUrlOf } from './config.js';
import type { DB } from './db/schema.js';
import { exportRoutes } from './export/export.routes.js';
import { ExportService } from './export/export.service.js';
import { deliveryPolicyOf, targetPolicyOf } from './notifications/delivery-worker.factory.js';
import { notificationRoutes } from './notifications/notification.routes.js';
import { NotificationService } from './notifications/notification.service.js';
import { loadVapidKeys } from './notifications/vapid-keys.js';
import { createGatewayOpenApiRegistry } from './openapi/gateway.openapi.js';
import { MergedOpenApi } from './openapi/merged-document.js';
import { openApiRoutes } from './openapi/openapi.routes.js';
import { createAdmission } from './proxy/admission.js';
import { corsAllowList, corsPolicy } from './proxy/cors.js';
import { installProxyFastPath } from './proxy/fast-path.js';
import { createServiceProxies, mountServiceProxies, type Refusals } from './proxy/proxy.routes.js';
import { MemoryCacheStore, PublicCache, RedisCacheStore } from './proxy/public-cache.js';
import { publicCacheRoutes } from './proxy/public-cache.routes.js';
import { AccountLockout, createLimiters } from './rate-limit/limiters.js';
import { OpenStreams } from './realtime/open-streams.js';
import { realtimeRoutes } from './realtime/realtime.routes.js';
import { RealtimeHub } from './realtime/realtime-hub.js';
import { AccessTokens } from './tokens/access-token.js';
import { loadSigningKeys } from './tokens/signing-keys.js';
import { mountWebApp } from './web/web-app.routes.js';

export interface GatewayOverrides {
  /** NATS connection for the realtime push; default: one opened from NATS_URL on the first SSE client. */
  nc?: NatsConnection;
  /** Clock of the public cache (tests move time forward instead of waiting). */
  now?: () => number;
  /**
   * false: proxied requests take the express stack instead of the fast path (proxy/fast-path.ts); only
   * the conformance test that compares the two sets it. Default true.
   */
  proxyFastPath?: boolean;
}

export interface GatewayApp {
  app: Express;
  auth: AuthService;
  account: AccountService;
  tokens: AccessTokens;
  hub: RealtimeHub;
  revocations: SessionRevocations;
  /** Ends every open SSE stream (shutdown: clients reconnect to another instance). */
  endStreams(): void;
  /** Resolves once Redis is connected (at once without Redis); before that, limits count in memory. */
  ready: Promise<void>;
  /** Ends the SSE streams and closes what the app opened (context.resources), as the process does. */
  close(): Promise<void>;
}

/** The registry each gateway app documents its own routes in (what `/openapi.json` starts from). */
const ownRegistries = new WeakMap<Express, OpenAPIRegistry>();

/**
 * The gateway's own routes as OpenAPI, from the registry `app` (built by createApp) mounted them with:
 * the document the public one merges the services' into, `/internal/*` included. The edge serves no
 * `/internal/openapi.json`, so the platform check that the router equals the document reads it here.
 */
export function ownOpenApiDocument(app: Express): OpenApiDocument {
  const registry = ownRegistries.get(app);
  if (!registry) throw new Error('not an app built by the gateway');
  return buildOpenApiDocument(registry, 'gateway');
}

export function buildGateway(context: AppContext<Config, DB>, overrides: GatewayOverrides = {}): GatewayApp {
  const { config, logger, database } = context;
  const upstreams = Object.fromEntries(
    upstreamServices.map((name) => [name, upstreamUrlOf(config, name)]),
  ) as Record<(typeof upstreamServices)[number], string>;

  const { resources } = context;
  const redis = config.REDIS_URL
    ? resources.add(
        'redis',
        connectRedis(config.REDIS_URL, {
          logger,
          fallback: 'rate limits fall back to memory; the public cache asks the services',
        }),
        (client) => client.quit().catch(() => client.disconnect()),
      )
    : undefined;
  const revocations = new SessionRevocations({
    redis,
    keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
    ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    logger,
  });
  resources.add('session revocations', revocations, (each) => each.close());
  const revocationsLoaded = revocations.start().catch((error: unknown) => {
    logger.error({ err: error }, 'could not subscribe to ended sessions; retrying with the Redis connection');
  });
  const tokens = new AccessTokens(
    loadSigningKeys({
      signingKeys: config.JWT_SIGNING_KEYS,
      keyFile: config.JWT_KEY_FILE,
      production: config.NODE_ENV === 'production',
    }),
    { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS },
    revocations,
  );
  const limiters = createLimiters(config, redis);
  const hasher = new PasswordHasher({
    memoryCost: config.ARGON2_MEMORY_KIB,
    timeCost: config.ARGON2_TIME_COST,
    parallelism: config.ARGON2_PARALLELISM,
  });
  const delivery = deliveryPolicyOf(config);
  const lockout = new AccountLockout(limiters, config);
  const codes = new OneTimeCodes({
    db: database.db,
    delivery,
    secret: deriveCodeSecret(config.SERVICE_KEY),
    ttlSeconds: config.OTP_TTL_SECONDS,
    maxAttempts: config.OTP_MAX_ATTEMPTS,
  });
  const auth = new AuthService({
    db: database.db,
    logger,
    hasher,
    tokens,
    revocations,
    codes,
    lockout,
    refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
  });
  // Codes asked for just before the stop are still sent (reset and code-login start answer first).
  resources.add('deferred auth work', auth, (each) => each.idle());
  const account = new AccountService({
    db: database.db,
    logger,
    hasher,
    codes,
    delivery,
    lockout,
    revocations,
    reauthMaxAgeSeconds: config.REAUTH_MAX_AGE_SECONDS,
  });
  const session = requireSession({ tokens, auth, limiter: limiters.user });

  const userAdmin = new UserAdminService({
    db: database.db,
    retailers: createRetailerDirectory({
      receiptIngestUrl: upstreams['receipt-ingest'],
      serviceKey: config.SERVICE_KEY,
      logger,
    }),
    revocations,
    logger,
  });

  const hub = new RealtimeHub({
    nc:
      overrides.nc ??
      (() => connectNats({ servers: config.NATS_URL, name: 'gateway-realtime', waitOnFirstConnect: true })),
    streamName: config.EVENTS_STREAM,
    subjectPrefix: config.EVENTS_SUBJECT_PREFIX,
    logger,
  });
  resources.add('realtime hub', hub, (each) => each.stop());
  const openStreams = new OpenStreams(revocations);
  // SSE streams never finish on their own: they end when the drain starts (clients reconnect elsewhere
  // with Last-Event-ID), so the drain can complete.
  resources.onDrainStart(() => openStreams.endAll());
  const openapi = createGatewayOpenApiRegistry();
  const mergedOpenApi = new MergedOpenApi({
    registry: openapi,
    upstreams,
    serviceKey: config.SERVICE_KEY,
    logger,
  });

  const publicCache =
    config.PUBLIC_CACHE_TTL_SECONDS > 0
      ? new PublicCache(
          redis
            ? new RedisCacheStore(redis, `${config.RATE_LIMIT_KEY_PREFIX}:public-cache:`)
            : new MemoryCacheStore(),
          {
            ttlSeconds: config.PUBLIC_CACHE_TTL_SECONDS,
            logger,
            ...(overrides.now && { now: overrides.now }),
          },
        )
      : undefined;
  const proxies = createServiceProxies({
    upstreams,
    serviceKey: config.SERVICE_KEY,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    maxSockets: config.UPSTREAM_MAX_SOCKETS,
    maxBodyBytes: config.PROXY_MAX_BODY_BYTES,
    logger,
    ...(publicCache && { publicCache }),
    identityOf: (req) => identityOf(req),
  });
  const admit = createAdmission(tokens, limiters);
  const cors = corsPolicy(config.CORS_ORIGINS);
  const refusals: Refusals = new WeakMap();

  const app = createStandardApp(
    'gateway',
    context,
    (app) => {
      mountRoutes(app, openapi, [
        ...openApiRoutes(mergedOpenApi),
        ...publicCacheRoutes({ cache: publicCache }),
        ...notificationRoutes({
          notifications: new NotificationService({ db: database.db, policy: targetPolicyOf(config) }),
          session,
          vapidPublicKey: loadVapidKeys(config).publicKey,
        }),
        ...authRoutes({
          auth,
          account,
          tokens,
          limiters,
          session,
          cookieSecure: config.COOKIE_SECURE,
        }),
        ...userAdminRoutes({ admin: userAdmin, session }),
        ...exportRoutes({
          exports: new ExportService({
            db: database.db,
            maxPerDay: config.EXPORT_MAX_PER_DAY,
            maxAttempts: config.EXPORT_MAX_ATTEMPTS,
          }),
          session,
        }),
        ...realtimeRoutes({
          hub,
          session,
          heartbeatMs: config.SSE_HEARTBEAT_SECONDS * 1000,
          openStreams,
          logger,
        }),
      ]);
      mountWebApp(app, undefined, { production: config.NODE_ENV === 'production' });
    },
    {
      // No `openapi` option: it would serve /internal/openapi.json, and the edge exposes no /internal/*.
      edge: true,
      beforeBodyParser(app) {
        app.use(corsAllowList(cors));
        mountServiceProxies(app, { proxies, admit, refusals, userIdOf: (req) => identityOf(req)?.userId });
      },
    },
  );
  ownRegistries.set(app, openapi);
  // Client identity headers are stripped here, before anything else sees the request.
  installProxyFastPath(app, {
    proxies,
    admit,
    cors,
    refusals,
    logger,
    histogram: httpDurationHistogram(context.registry),
    userIdOf: (req) => identityOf(req)?.userId,
    verifyServiceKey: serviceKeyVerifier(config.SERVICE_KEY),
    ...(overrides.proxyFastPath === false && { fastPath: false }),
  });

  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
    const email = config.ADMIN_EMAIL;
    auth
      .ensureAdmin(email, config.ADMIN_PASSWORD)
      .then((outcome) => {
        if (outcome === 'taken-by-user')
          logger.error(
            { email },
            'ADMIN_EMAIL belongs to a non-admin account; not promoted (the create-admin command can promote it)',
          );
        else logger.info({ email, outcome }, 'admin account checked');
      })
      .catch((error: unknown) => logger.error({ err: error }, 'could not ensure the admin account'));
  }

  return {
    app,
    auth,
    account,
    tokens,
    hub,
    revocations,
    endStreams() {
      openStreams.endAll();
    },
    ready: Promise.all([
      redis && redis.status !== 'ready'
        ? new Promise<void>((resolve) => redis.once('ready', () => resolve()))
        : undefined,
      revocationsLoaded,
    ]).then(() => undefined),
    close() {
      resources.drainStarted(logger);
      return resources.dispose(logger);
    },
  };
}

export function createApp(context: AppContext<Config, DB>): Express {
  return buildGateway(context).app;
}

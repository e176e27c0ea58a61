/**
 * createServiceApp(): the express 5 app every service is built on, with the middleware order of
 * docs/architecture.md#request-path. It never listens; `runService` does, and tests drive it with supertest.
 */
import type { ServiceName } from '@cartwatch/common-types';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { errorHandler, notFoundHandler } from './error.middleware.js';
import { installFastReads } from './fast-reads.js';
import { livenessRoute } from './health.routes.js';
import { createMetricsRegistry, httpDurationHistogram, httpMetrics } from './metrics.js';
import { buildOpenApiDocument, OPENAPI_PATH, type OpenAPIRegistry, type OpenApiDocument } from './openapi.js';
import { requestId } from './request-id.middleware.js';
import { requestLogger } from './request-logger.middleware.js';
import { securityHeaders } from './security-headers.js';
import { serviceKeyGuard } from './service-key.guard.js';
import { userContext } from './user-context.middleware.js';

export interface ServiceAppOptions {
  service: ServiceName;
  logger: Logger;
  /** The shared X-Service-Key every route except /health requires. */
  serviceKey: string;
  /**
   * Defaults to a fresh `createMetricsRegistry(service)`; pass the one the management app serves on
   * /metrics (createManagementApp) to see this app's metrics there.
   */
  registry?: Registry;
  /** Largest JSON body, e.g. '1mb' (the default). */
  bodyLimit?: string;
  /** express `trust proxy`: number of proxy hops whose X-Forwarded-* headers count; default 0. */
  trustProxy?: number;
  /** Mounts the service's routes; runs after the key guard, body parser and user context. */
  routes(app: Express): void;
  /**
   * The public edge (the gateway): no X-Service-Key guard and no identity from headers; clients reach
   * it directly and it asserts identity itself. Default false.
   */
  edge?: boolean;
  /** Runs before request ids, logging and everything else (the gateway strips client identity headers here). */
  beforeRequestHandling?(app: Express): void;
  /** Runs after health routes and the guard but before the JSON body parser (proxies stream bodies untouched). */
  beforeBodyParser?(app: Express): void;
  /** The service's documented routes; served at `GET /internal/openapi.json` (service key required). */
  openapi?: OpenAPIRegistry;
}

export function createServiceApp(options: ServiceAppOptions): Express {
  const { logger } = options;
  const registry = options.registry ?? createMetricsRegistry(options.service);
  const app = express();

  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? 0);

  options.beforeRequestHandling?.(app);
  app.use(securityHeaders());
  app.use(requestId());
  app.use(requestLogger(logger));
  app.use(httpMetrics(registry));
  // /ready and /metrics live on the management port only (createManagementApp).
  app.use(livenessRoute());

  // Everything below requires the key; the body is not even read for a request without it.
  if (!options.edge) app.use(serviceKeyGuard(options.serviceKey));
  options.beforeBodyParser?.(app);
  app.use(express.json({ limit: options.bodyLimit ?? '1mb' }));
  if (!options.edge) app.use(userContext());

  if (options.openapi) {
    const registry = options.openapi;
    let document: OpenApiDocument | undefined;
    app.get(OPENAPI_PATH, (_req, res) => {
      document ??= buildOpenApiDocument(registry, options.service);
      res.json(document);
    });
  }
  options.routes(app);

  app.use(notFoundHandler());
  app.use(errorHandler(logger));
  if (!options.edge) {
    installFastReads(app, {
      serviceKey: options.serviceKey,
      logger,
      histogram: httpDurationHistogram(registry),
    });
  }
  return app;
}

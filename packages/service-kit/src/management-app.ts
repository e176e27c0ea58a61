/**
 * The management port's app: `/health`, `/ready` and `/metrics`, and nothing else. It listens on a port
 * of its own (MANAGEMENT_PORT) that probes and Prometheus reach and the public edge never routes to, so
 * readiness details and metrics are not on the service's own port.
 */
import type { ServiceName } from '@cartwatch/common-types';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { errorHandler, notFoundHandler } from './error.middleware.js';
import { healthRoutes, type ReadinessCheck } from './health.routes.js';
import { requestId } from './request-id.middleware.js';
import { requestLogger } from './request-logger.middleware.js';
import { securityHeaders } from './security-headers.js';

export interface ManagementAppOptions {
  service: ServiceName;
  logger: Logger;
  /** The registry the service's app records into; served as Prometheus text on /metrics. */
  registry: Registry;
  /** Named checks run by /ready. */
  readiness?: Record<string, ReadinessCheck>;
  /** Per-check timeout of /ready; default 2000 ms. */
  readinessTimeoutMs?: number;
}

export function createManagementApp(options: ManagementAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders());
  app.use(requestId());
  app.use(requestLogger(options.logger));
  app.use(
    healthRoutes({
      logger: options.logger,
      registry: options.registry,
      ...(options.readiness && { readiness: options.readiness }),
      ...(options.readinessTimeoutMs !== undefined && { readinessTimeoutMs: options.readinessTimeoutMs }),
    }),
  );
  app.use(notFoundHandler());
  app.use(errorHandler(options.logger));
  return app;
}

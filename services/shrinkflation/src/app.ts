/** The shrinkflation HTTP app (never listens; main.ts or supertest drives it). */
import { createInternalClient, createOpenApiRegistry, mountRoutes } from '@cartwatch/service-kit';
import { type AppContext, createStandardApp } from '@cartwatch/service-runtime';
import type { Express } from 'express';
import type { Config } from './config.js';
import type { DB } from './db/schema.js';
import { gatewayPublicCache } from './shrinkflation/public-cache-purge.js';
import { shrinkflationRoutes } from './shrinkflation/shrinkflation.routes.js';

export function createApp(context: AppContext<Config, DB>): Express {
  const openapi = createOpenApiRegistry();
  const gateway = createInternalClient({
    baseUrl: context.config.GATEWAY_URL,
    serviceKey: context.config.SERVICE_KEY,
    caller: 'shrinkflation',
    timeoutMs: 2_000,
    logger: context.logger,
  });
  const deps = {
    db: context.database.db,
    highConfidence: context.config.SHRINK_HIGH_CONFIDENCE,
    publicCache: gatewayPublicCache(gateway, context.logger),
  };
  return createStandardApp(
    'shrinkflation',
    context,
    (app) => mountRoutes(app, openapi, shrinkflationRoutes(deps)),
    { openapi },
  );
}

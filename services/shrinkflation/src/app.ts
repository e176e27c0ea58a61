/** The shrinkflation HTTP app (never listens; main.ts or supertest drives it). */
import { createOpenApiRegistry } from '@cartwatch/service-kit';
import { type AppContext, createStandardApp } from '@cartwatch/service-runtime';
import type { Express } from 'express';
import type { Config } from './config.js';
import type { DB } from './db/schema.js';
import { createMemoryCache, createRedisCache, type PublicCache } from './shrinkflation/public-cache.js';
import {
  mountShrinkflationRoutes,
  registerShrinkflationOpenApi,
} from './shrinkflation/shrinkflation.routes.js';

export function createPublicCache(
  config: Config,
  context: Pick<AppContext<Config, DB>, 'logger'>,
): PublicCache {
  const ttlSeconds = config.SHRINK_PUBLIC_CACHE_SECONDS;
  return config.REDIS_URL
    ? createRedisCache({
        url: config.REDIS_URL,
        ttlSeconds,
        logger: context.logger,
        hashKey: `shrinkflation:${config.DB_SCHEMA}:public`,
      })
    : createMemoryCache(ttlSeconds);
}

/**
 * `app.locals.publicCache` holds the cache so its owner (tests, the process) can close a Redis
 * connection; the process simply exits.
 */
export function createApp(context: AppContext<Config, DB>, publicCache?: PublicCache): Express {
  const cache = publicCache ?? createPublicCache(context.config, context);
  const openapi = createOpenApiRegistry();
  registerShrinkflationOpenApi(openapi);
  const deps = {
    db: context.database.db,
    highConfidence: context.config.SHRINK_HIGH_CONFIDENCE,
    publicCache: cache,
  };
  const app = createStandardApp(
    'shrinkflation',
    context,
    (routes) => mountShrinkflationRoutes(routes, deps, context.config.SHRINK_PUBLIC_CACHE_SECONDS),
    { openapi },
  );
  app.locals.publicCache = cache;
  return app;
}

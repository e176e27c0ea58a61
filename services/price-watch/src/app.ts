/** The price-watch HTTP app (never listens; main.ts or supertest drives it). */
import { createOpenApiRegistry, mountRoutes } from '@cartwatch/service-kit';
import { type AppContext, createStandardApp } from '@cartwatch/service-runtime';
import type { Express } from 'express';
import { alertRoutes } from './alerts/alerts.routes.js';
import { catalogRoutes } from './catalog/catalog.routes.js';
import { type Config, sharedOptionsOf } from './config.js';
import type { DB } from './db/schema.js';
import { userExportRoutes } from './export/user-export.routes.js';
import { priceRoutes } from './prices/prices.routes.js';
import { urlCheckerFromConfig } from './watches/url-checker.factory.js';
import { watchRoutes } from './watches/watches.routes.js';

export function createApp(context: AppContext<Config, DB>): Express {
  const registry = createOpenApiRegistry();
  const deps = {
    database: context.database,
    checkUrl: urlCheckerFromConfig(context.config),
    renderingEnabled: context.config.URL_RENDER_ENABLED,
    shared: sharedOptionsOf(context.config),
  };
  return createStandardApp(
    'price-watch',
    context,
    (app) =>
      mountRoutes(app, registry, [
        ...catalogRoutes(deps),
        ...priceRoutes(deps),
        ...alertRoutes(deps),
        ...watchRoutes(deps),
        ...userExportRoutes(deps),
      ]),
    { openapi: registry },
  );
}

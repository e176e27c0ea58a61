/** The receipt-ingest HTTP app (never listens; main.ts or supertest drives it). */
import { createOpenApiRegistry } from '@cartwatch/service-kit';
import { type AppContext, createStandardApp } from '@cartwatch/service-runtime';
import type { Express } from 'express';
import type { AppDeps } from './app-deps.js';
import type { Config } from './config.js';
import type { DB } from './db/schema.js';
import {
  documentInboundRoutes,
  registerInboundAddressRoutes,
  registerInboundWebhook,
} from './inbound/inbound.routes.js';
import { documentPurchaseRoutes, registerPurchaseRoutes } from './purchases/purchases.routes.js';
import { documentReceiptRoutes, registerReceiptRoutes } from './receipts/receipts.routes.js';
import { documentStoreRoutes, registerStoreRoutes } from './stores/stores.routes.js';

export function createApp(context: AppContext<Config, DB>): Express {
  const deps: AppDeps = { config: context.config, database: context.database, logger: context.logger };
  const openapi = createOpenApiRegistry();
  documentStoreRoutes(openapi);
  documentPurchaseRoutes(openapi);
  documentReceiptRoutes(openapi);
  documentInboundRoutes(openapi);
  return createStandardApp(
    'receipt-ingest',
    context,
    (app) => {
      registerStoreRoutes(app, deps);
      registerPurchaseRoutes(app, deps);
      registerReceiptRoutes(app, deps);
      registerInboundAddressRoutes(app, deps);
    },
    { openapi, beforeBodyParser: (app) => registerInboundWebhook(app, deps) },
  );
}

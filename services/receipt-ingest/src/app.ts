/** The receipt-ingest HTTP app (never listens; main.ts or supertest drives it). */
import { createOpenApiRegistry, mountRoutes } from '@cartwatch/service-kit';
import { type AppContext, createStandardApp } from '@cartwatch/service-runtime';
import type { Express } from 'express';
import { documentAccountRoutes, registerAccountRoutes } from './accounts/accounts.routes.js';
import { CredentialCipher } from './accounts/credential-cipher.js';
import type { AppDeps } from './app-deps.js';
import type { Config } from './config.js';
import type { DB } from './db/schema.js';
import { userExportRoutes } from './export/user-export.routes.js';
import {
  documentInboundRoutes,
  registerInboundAddressRoutes,
  registerInboundWebhook,
} from './inbound/inbound.routes.js';
import { documentPurchaseRoutes, registerPurchaseRoutes } from './purchases/purchases.routes.js';
import {
  documentPurchaseExportRoutes,
  registerPurchaseExportRoutes,
} from './purchases/purchases-export.routes.js';
import { documentPhotoRoutes, registerPhotoRoutes } from './receipts/photo/photo.routes.js';
import { documentReceiptRoutes, registerReceiptRoutes } from './receipts/receipts.routes.js';
import { adaptersFromConfig } from './scraping/adapter-registry.js';
import { documentScrapingRoutes, registerScrapingRoutes } from './scraping/scraping.routes.js';
import { documentStoreRoutes, registerStoreRoutes } from './stores/stores.routes.js';

export function createApp(context: AppContext<Config, DB>): Express {
  const deps: AppDeps = {
    config: context.config,
    database: context.database,
    logger: context.logger,
    cipher:
      context.config.CREDENTIAL_KEYS === undefined
        ? undefined
        : new CredentialCipher(context.config.CREDENTIAL_KEYS),
    adapters: adaptersFromConfig(context.config),
  };
  const openapi = createOpenApiRegistry();
  documentStoreRoutes(openapi);
  documentPurchaseExportRoutes(openapi);
  documentPurchaseRoutes(openapi);
  documentReceiptRoutes(openapi);
  documentPhotoRoutes(openapi);
  documentInboundRoutes(openapi);
  documentAccountRoutes(openapi);
  documentScrapingRoutes(openapi);
  return createStandardApp(
    'receipt-ingest',
    context,
    (app) => {
      registerStoreRoutes(app, deps);
      registerPurchaseExportRoutes(app, deps);
      registerPurchaseRoutes(app, deps);
      registerReceiptRoutes(app, deps);
      registerPhotoRoutes(app, deps);
      registerInboundAddressRoutes(app, deps);
      registerAccountRoutes(app, deps);
      registerScrapingRoutes(app, deps);
      mountRoutes(app, openapi, userExportRoutes(deps));
    },
    { openapi, beforeBodyParser: (app) => registerInboundWebhook(app, deps) },
  );
}

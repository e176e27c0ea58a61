/** The receipt-ingest HTTP app (never listens; main.ts or supertest drives it). */
import { createOpenApiRegistry, mountRoutes } from '@cartwatch/service-kit';
import { type AppContext, createStandardApp } from '@cartwatch/service-runtime';
import type { Express } from 'express';
import { accountRoutes } from './accounts/accounts.routes.js';
import { CredentialCipher } from './accounts/credential-cipher.js';
import type { AppDeps } from './app-deps.js';
import type { Config } from './config.js';
import type { DB } from './db/schema.js';
import { userExportRoutes } from './export/user-export.routes.js';
import { inboundAddressRoutes, inboundWebhookRoutes } from './inbound/inbound.routes.js';
import { purchaseRoutes } from './purchases/purchases.routes.js';
import { purchaseExportRoutes } from './purchases/purchases-export.routes.js';
import { photoRoutes } from './receipts/photo/photo.routes.js';
import { receiptRoutes } from './receipts/receipts.routes.js';
import { adaptersFromConfig } from './scraping/adapter-registry.js';
import { scrapingRoutes } from './scraping/scraping.routes.js';
import { storeRoutes } from './stores/stores.routes.js';

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
  return createStandardApp(
    'receipt-ingest',
    context,
    (app) =>
      mountRoutes(app, openapi, [
        ...storeRoutes(deps),
        // /purchases/export.csv before /purchases/:id.
        ...purchaseExportRoutes(deps),
        ...purchaseRoutes(deps),
        ...receiptRoutes(deps),
        ...photoRoutes(deps),
        ...inboundAddressRoutes(deps),
        ...accountRoutes(deps),
        ...scrapingRoutes(deps),
        ...userExportRoutes(deps),
      ]),
    {
      openapi,
      // The webhook's signature covers the raw bytes: it reads the body before the JSON parser does.
      beforeBodyParser: (app) => mountRoutes(app, openapi, inboundWebhookRoutes(deps)),
    },
  );
}

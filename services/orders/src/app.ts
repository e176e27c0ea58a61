/** The orders HTTP app (never listens; main.ts or supertest drives it). */
import { createOpenApiRegistry, mountRoutes } from '@cartwatch/service-kit';
import { type AppContext, createStandardApp } from '@cartwatch/service-runtime';
import type { Express } from 'express';
import { cartRoutes } from './cart/cart.routes.js';
import { catalogRoutes } from './catalog/catalog.routes.js';
import { createPriceWatchResolver } from './catalog/product-resolver.js';
import type { Config } from './config.js';
import type { DB } from './db/schema.js';
import { userExportRoutes } from './export/user-export.routes.js';
import { orderRoutes } from './orders/orders.routes.js';
import { createPaymentProvider, type ProviderOptions } from './payments/payment-provider.js';
import { paymentRoutes, paymentWebhookRoutes } from './payments/payments.routes.js';

/** `options` are for tests only (e.g. pointing the Stripe SDK at a local fake of its API). */
export function createApp(context: AppContext<Config, DB>, options: ProviderOptions = {}): Express {
  const { config, database, logger } = context;
  const resolver = createPriceWatchResolver({
    baseUrl: config.PRICE_WATCH_URL,
    serviceKey: config.SERVICE_KEY,
  });
  const ordersDeps = {
    database,
    logger,
    pendingOrderTtlSeconds: config.PENDING_ORDER_TTL_SECONDS,
    idempotencyLockTimeoutSeconds: config.IDEMPOTENCY_LOCK_TIMEOUT_SECONDS,
  };
  const paymentsDeps = { database, logger, provider: createPaymentProvider(config, options) };
  const openapi = createOpenApiRegistry();
  return createStandardApp(
    'orders',
    context,
    (app) => {
      mountRoutes(app, openapi, [
        ...catalogRoutes({ database, resolver }),
        ...cartRoutes({ database, resolver }),
        ...orderRoutes(ordersDeps),
        ...paymentRoutes(paymentsDeps),
        ...userExportRoutes(ordersDeps),
      ]);
    },
    {
      openapi,
      beforeBodyParser: (app) =>
        mountRoutes(app, openapi, paymentWebhookRoutes(paymentsDeps, config.BODY_LIMIT)),
    },
  );
}

/** The cart-device HTTP app (never listens; main.ts or supertest drives it). */
import { createOpenApiRegistry, mountRoutes } from '@cartwatch/service-kit';
import { connectRedis } from '@cartwatch/service-kit/rate-limits';
import { type AppContext, createStandardApp } from '@cartwatch/service-runtime';
import type { Express } from 'express';
import { derivePepper } from './auth/device-key.js';
import { createRateLimit } from './auth/rate-limits.js';
import type { Config } from './config.js';
import type { DB } from './db/schema.js';
import type { Deps } from './deps.js';
import { deviceApiRoutes, registerDeviceKeyScheme } from './devices/device-api.routes.js';
import { devicesRoutes } from './devices/devices.routes.js';
import { LayoutCache } from './layouts/layout.service.js';
import { deviceRouteRoutes, layoutRoutes } from './layouts/layouts.routes.js';
import { createHttpOrdersClient, type OrdersClient } from './orders/orders.client.js';
import {
  createHttpProductCatalog,
  type ProductCatalog,
  ProductCategories,
} from './products/product-categories.js';
import { scanRoutes } from './scans/scans.routes.js';

export interface AppOverrides {
  orders?: OrdersClient;
  productCatalog?: ProductCatalog;
}

export function createDeps(context: AppContext<Config, DB>, overrides: AppOverrides = {}): Deps {
  const { config } = context;
  const redis =
    config.REDIS_URL === undefined
      ? undefined
      : context.resources.add(
          'redis',
          connectRedis(config.REDIS_URL, { logger: context.logger, fallback: 'limits count in memory' }),
          (client) => client.quit().catch(() => client.disconnect()),
        );
  return {
    db: context.database.db,
    config,
    pepper: derivePepper(config.DEVICE_KEY_PEPPER, config.SERVICE_KEY),
    orders:
      overrides.orders ??
      createHttpOrdersClient({
        baseUrl: config.ORDERS_URL,
        serviceKey: config.SERVICE_KEY,
        logger: context.logger,
      }),
    productCategories: new ProductCategories(
      overrides.productCatalog ??
        createHttpProductCatalog({
          baseUrl: config.PRICE_WATCH_URL,
          serviceKey: config.SERVICE_KEY,
          logger: context.logger,
        }),
      { logger: context.logger },
    ),
    deviceLimiter: createRateLimit(redis, 'device', config.DEVICE_RATE_LIMIT_PER_MINUTE, 60),
    pairLimiter: createRateLimit(redis, 'pair', config.PAIR_ATTEMPTS_PER_MINUTE, 60),
  };
}

export function createApp(context: AppContext<Config, DB>, overrides: AppOverrides = {}): Express {
  const deps = createDeps(context, overrides);
  const openapi = createOpenApiRegistry();
  registerDeviceKeyScheme(openapi);
  const layoutCache = new LayoutCache();
  return createStandardApp(
    'cart-device',
    context,
    (app) => {
      // /devices/* (literal paths before /devices/:id), then /device/* and /store-layouts/*: the two
      // prefixes share no path, so their order is the documented one (the public contract's order).
      mountRoutes(app, openapi, [
        ...devicesRoutes(deps),
        ...deviceApiRoutes(deps),
        ...layoutRoutes(deps, layoutCache),
        ...deviceRouteRoutes(deps, layoutCache),
        ...scanRoutes(deps),
      ]);
    },
    { openapi },
  );
}

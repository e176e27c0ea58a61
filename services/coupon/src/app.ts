/** The coupon HTTP app (never listens; main.ts or supertest drives it). */
import { createOpenApiRegistry, mountRoutes } from '@cartwatch/service-kit';
import { type AppContext, createStandardApp } from '@cartwatch/service-runtime';
import type { Express } from 'express';
import type { Config } from './config.js';
import { mountCouponRoutes, registerCouponDocs } from './coupons/coupon.routes.js';
import type { DB } from './db/schema.js';
import { userExportRoutes } from './export/user-export.routes.js';
import { mountShoppingRoutes, registerShoppingDocs } from './shopping/shopping.routes.js';

export function createApp(context: AppContext<Config, DB>): Express {
  const openapi = createOpenApiRegistry();
  registerCouponDocs(openapi);
  registerShoppingDocs(openapi);
  return createStandardApp(
    'coupon',
    context,
    (app) => {
      mountCouponRoutes(app, context.database.db, context.config.BODY_LIMIT);
      mountShoppingRoutes(app, context.database.db);
      mountRoutes(app, openapi, userExportRoutes(context.database.db));
    },
    { openapi },
  );
}

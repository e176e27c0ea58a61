/** The coupon HTTP app (never listens; main.ts or supertest drives it). */
import { createOpenApiRegistry, mountRoutes } from '@cartwatch/service-kit';
import { type AppContext, createStandardApp } from '@cartwatch/service-runtime';
import type { Express } from 'express';
import type { Config } from './config.js';
import { couponRoutes } from './coupons/coupon.routes.js';
import type { DB } from './db/schema.js';
import { userExportRoutes } from './export/user-export.routes.js';
import { shoppingRoutes } from './shopping/shopping.routes.js';

export function createApp(context: AppContext<Config, DB>): Express {
  const openapi = createOpenApiRegistry();
  return createStandardApp(
    'coupon',
    context,
    (app) => {
      mountRoutes(app, openapi, [
        ...couponRoutes(context.database.db, context.config.BODY_LIMIT),
        ...shoppingRoutes(context.database.db),
        ...userExportRoutes(context.database.db),
      ]);
    },
    { openapi },
  );
}

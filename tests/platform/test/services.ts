/** Every service's app, buildable from an env map, so platform tests can be parameterized over all seven. */
import { serviceDefinition as cartDevice } from '@cartwatch/cart-device';
import type { ServiceName } from '@cartwatch/common-types';
import { serviceDefinition as coupon } from '@cartwatch/coupon';
import { serviceDefinition as gateway } from '@cartwatch/gateway';
import { serviceDefinition as orders } from '@cartwatch/orders';
import { serviceDefinition as priceWatch } from '@cartwatch/price-watch';
import { serviceDefinition as receiptIngest } from '@cartwatch/receipt-ingest';
import { createAppFromEnv } from '@cartwatch/service-runtime';
import { serviceDefinition as shrinkflation } from '@cartwatch/shrinkflation';
import type { Express } from 'express';
import type { z } from 'zod';

type BuildApp = (env: NodeJS.ProcessEnv) => {
  app: Express;
  /** The management port's app: /health, /ready, /metrics. */
  managementApp: Express;
  close(): Promise<void>;
};

export const buildApps: Record<ServiceName, BuildApp> = {
  gateway: (env) => createAppFromEnv(gateway, env),
  'receipt-ingest': (env) => createAppFromEnv(receiptIngest, env),
  'price-watch': (env) => createAppFromEnv(priceWatch, env),
  shrinkflation: (env) => createAppFromEnv(shrinkflation, env),
  coupon: (env) => createAppFromEnv(coupon, env),
  orders: (env) => createAppFromEnv(orders, env),
  'cart-device': (env) => createAppFromEnv(cartDevice, env),
};

/** Every service's env schema, by name. */
export const envSchemas: Record<ServiceName, z.ZodObject> = {
  gateway: gateway.envSchema,
  'receipt-ingest': receiptIngest.envSchema,
  'price-watch': priceWatch.envSchema,
  shrinkflation: shrinkflation.envSchema,
  coupon: coupon.envSchema,
  orders: orders.envSchema,
  'cart-device': cartDevice.envSchema,
};

/** The coupon HTTP app (never listens; main.ts or supertest drives it). */
import { type AppContext, createStandardApp } from '@cartwatch/service-runtime';
import type { Express } from 'express';
import type { Config } from './config.js';
import type { DB } from './db/schema.js';

export function createApp(context: AppContext<Config, DB>): Express {
  return createStandardApp('coupon', context, () => {
    // Feature routers are mounted here as their issues land.
  });
}

/** What the feature services need, built once per app from its context. */
import type { Kysely } from 'kysely';
import type { RateLimiter } from './auth/rate-limits.js';
import type { Config } from './config.js';
import type { DB } from './db/schema.js';
import type { OrdersClient } from './orders/orders.client.js';
import type { ProductCategories } from './products/product-categories.js';

export interface Deps {
  db: Kysely<DB>;
  config: Config;
  /** Key of the HMAC over device-key secrets and pairing codes. */
  pepper: Buffer;
  orders: OrdersClient;
  /** Products' categories from price-watch, for routing by the layout's category placements. */
  productCategories: ProductCategories;
  deviceLimiter: RateLimiter;
  pairLimiter: RateLimiter;
}

export function iso(date: Date): string {
  return date.toISOString();
}

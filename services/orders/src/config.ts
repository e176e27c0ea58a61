/** Environment of orders; docs/configuration.md is generated from this schema. */
import { defaultServiceUrl } from '@cartwatch/common-types';
import { serviceEnvSchema } from '@cartwatch/service-runtime';
import { z } from 'zod';

export const envSchema = serviceEnvSchema('orders', {
  PRICE_WATCH_URL: z
    .url({ protocol: /^https?$/ })
    .default(defaultServiceUrl('price-watch'))
    .describe('Base URL of price-watch, whose `/internal/products/resolve` turns a GTIN into a product id.'),
  PENDING_ORDER_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .default(1800)
    .describe('How long an unpaid PENDING order holds its stock before the sweeper cancels it.'),
  ORDER_SWEEP_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(30_000)
    .describe('How often the sweeper looks for expired PENDING orders (and old idempotency keys).'),
  IDEMPOTENCY_KEY_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .default(24)
    .describe('How long a checkout Idempotency-Key and its stored response are kept.'),
  IDEMPOTENCY_LOCK_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(60)
    .describe(
      'A key still `in progress` after this long belongs to a request that died; a retry may take it over.',
    ),
  PAYMENT_PROVIDER: z
    .enum(['manual'])
    .default('manual')
    .describe(
      'Payment provider of `POST /orders/{id}/pay`; `manual` records payment taken outside CartWatch.',
    ),
});
export type Config = z.infer<typeof envSchema>;

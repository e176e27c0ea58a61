/** Environment of cart-device; docs/configuration.md is generated from this schema. */
import { defaultServiceUrl } from '@cartwatch/common-types';
import { requireInProduction } from '@cartwatch/service-kit';
import { serviceEnvSchema } from '@cartwatch/service-runtime';
import { z } from 'zod';

const seconds = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const variables = serviceEnvSchema('cart-device', {
  ORDERS_URL: z
    .url({ protocol: /^https?$/ })
    .default(defaultServiceUrl('orders'))
    .describe(
      `Base URL of orders, for catalog look-ups and cart writes (default ${defaultServiceUrl('orders')}).`,
    ),
  PRICE_WATCH_URL: z
    .url({ protocol: /^https?$/ })
    .default(defaultServiceUrl('price-watch'))
    .describe(
      `Base URL of price-watch, for the categories of products a layout places only by category (default ${defaultServiceUrl('price-watch')}).`,
    ),
  DEVICE_KEY_PEPPER: z
    .string()
    .min(32)
    .optional()
    .describe(
      'Secret (at least 32 characters) keying the HMAC-SHA-256 of device keys and pairing codes. ' +
        'Required in production, so that rotating SERVICE_KEY does not invalidate every device key; unset outside ' +
        'production = derived from SERVICE_KEY.',
    ),
  DEVICE_KEY_GRACE_SECONDS: seconds(0, 7 * 24 * 3600, 86_400).describe(
    'Default time a rotated device key keeps working beside its successor.',
  ),
  PAIRING_CODE_TTL_SECONDS: seconds(30, 3600, 300).describe(
    'How long a pairing code shown by a cart is valid.',
  ),
  PAIRING_IDLE_TIMEOUT_SECONDS: seconds(60, 24 * 3600, 1800).describe(
    'A pairing session without scans or route requests for this long ends by itself.',
  ),
  DEVICE_RATE_LIMIT_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(240)
    .describe('Requests per minute one device may make on /device/* (Redis-backed when REDIS_URL is set).'),
  PAIR_ATTEMPTS_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(10)
    .describe('Pairing attempts per minute per user; bounds guessing of pairing codes.'),
  EXACT_ROUTE_MAX_STOPS: z.coerce
    .number()
    .int()
    .min(1)
    .max(16)
    .default(12)
    .describe(
      'Up to this many stops routes are exact (Held-Karp); above, nearest neighbour + 2-opt + Or-opt.',
    ),
});

export const envSchema = requireInProduction(variables, [
  ['DEVICE_KEY_PEPPER', 'the key of device-key and pairing-code hashes, independent of SERVICE_KEY'],
]);
export type Config = z.infer<typeof envSchema>;

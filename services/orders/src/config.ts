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
    .enum(['stripe', 'test'])
    .default('test')
    .describe(
      'Payment provider of `POST /orders/{id}/pay`: `stripe` (PaymentIntents; needs the STRIPE_* variables) or ' +
        '`test`, a local stand-in whose payments the payer completes with `POST /payments/test/confirm` ' +
        '(production refuses to start with it). In-store payments recorded by staff need no provider.',
    ),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, 'must be a Stripe secret or restricted key (sk_… or rk_…)')
    .optional()
    .describe(
      'Stripe API key (`sk_live_…`, or a restricted `rk_…` key); required with PAYMENT_PROVIDER=stripe.',
    ),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=_-]+$/, 'must be a Stripe webhook signing secret (whsec_…)')
    .optional()
    .describe(
      'Signing secret of the Stripe webhook endpoint `<public URL>/payments/webhooks/stripe`; required with ' +
        'PAYMENT_PROVIDER=stripe.',
    ),
  STRIPE_PUBLISHABLE_KEY: z
    .string()
    .regex(/^pk_(test|live)_[A-Za-z0-9_]+$/, 'must be a Stripe publishable key (pk_…)')
    .optional()
    .describe(
      'Publishable key `POST /orders/{id}/pay` hands to Stripe.js; required with PAYMENT_PROVIDER=stripe.',
    ),
  STRIPE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(60_000)
    .default(15_000)
    .describe('How long one Stripe API call may take (the SDK retries network failures twice).'),
  PAYMENT_TEST_WEBHOOK_SECRET: z
    .string()
    .min(16)
    .optional()
    .describe(
      "Signing secret of the `test` provider's confirmations (`POST /payments/webhooks/test`); unset = a random " +
        'one per process. Set it only where tests sign confirmations themselves.',
    ),
}).superRefine(
  (config, context) => {
    const problem = (variable: string, message: string) =>
      context.addIssue({ code: 'custom', path: [variable], message });
    if (config.NODE_ENV === 'production' && config.PAYMENT_PROVIDER === 'test') {
      problem('PAYMENT_PROVIDER', 'production takes real payments: set PAYMENT_PROVIDER=stripe');
    }
    if (config.PAYMENT_PROVIDER === 'stripe') {
      for (const variable of [
        'STRIPE_SECRET_KEY',
        'STRIPE_WEBHOOK_SECRET',
        'STRIPE_PUBLISHABLE_KEY',
      ] as const) {
        if (config[variable] === undefined) problem(variable, 'is required with PAYMENT_PROVIDER=stripe');
      }
    }
    // Also when other variables are invalid: one start names every problem (docs/configuration.md).
  },
  { when: () => true },
);
export type Config = z.infer<typeof envSchema>;

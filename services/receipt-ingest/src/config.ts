/** Environment of receipt-ingest; docs/configuration.md is generated from this schema. */
import { serviceEnvSchema } from '@cartwatch/service-runtime';
import { z } from 'zod';

export const envSchema = serviceEnvSchema('receipt-ingest', {
  CSV_MAX_ROWS: z.coerce
    .number()
    .int()
    .positive()
    .max(1_000_000)
    .default(50_000)
    .describe('Most rows one `POST /receipts/csv` request may carry; the file is rejected whole beyond it.'),
  CSV_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(20 * 1024 * 1024)
    .describe('Largest CSV body in bytes (it is streamed, never buffered whole).'),
  DEFAULT_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default('USD')
    .describe('ISO-4217 currency of CSV rows that leave `currency` empty.'),
  INBOUND_EMAIL_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'a lower-case domain name')
    .default('inbound.cartwatch.local')
    .describe(
      'Domain of the per-user receipt addresses (`receipts+<token>@<domain>`) the mail provider receives.',
    ),
  INBOUND_EMAIL_SECRET: z
    .string()
    .min(32)
    .optional()
    .describe(
      'Shared secret of the inbound e-mail webhook (HMAC-SHA256 over `<timestamp>.<body>`). Unset: the webhook answers 404.',
    ),
  INBOUND_EMAIL_MAX_AGE_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .max(3600)
    .default(300)
    .describe('How far the webhook timestamp may be from now (either way) before the delivery is refused.'),
  CREDENTIAL_KEYS: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=)*$/,
      'comma-separated `<key id>:<base64 of 32 bytes>`',
    )
    .optional()
    .describe(
      'AES-256-GCM keys for store credentials and sessions, `<id>:<base64 32 bytes>,...`; the first seals, all open (rotation). Unset: connecting a store answers 503.',
    ),
});
export type Config = z.infer<typeof envSchema>;

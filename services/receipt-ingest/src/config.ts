/** Environment of receipt-ingest; docs/configuration.md is generated from this schema. */
import { envFlag, requireInProduction } from '@cartwatch/service-kit';
import { serviceEnvSchema } from '@cartwatch/service-runtime';
import { z } from 'zod';

const flag = envFlag(false);
const milliseconds = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const variables = serviceEnvSchema('receipt-ingest', {
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
      'Shared secret of the inbound e-mail webhook (HMAC-SHA256 over `<timestamp>.<body>`); required in production. Unset outside production: the webhook answers 404.',
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
      'AES-256-GCM keys for store credentials and sessions, `<id>:<base64 32 bytes>,...`; the first seals, all open (rotation); required in production. Unset outside production: connecting a store answers 503.',
    ),
  SYNC_SCHEDULER_ENABLED: flag.describe(
    'Runs the store-sync scheduler (periodic syncs, queued jobs, headless Chromium) in this process.',
  ),
  SYNC_WORKER_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(16)
    .default(2)
    .describe('Sync jobs one process runs at once (each holds a Chromium browser context).'),
  SYNC_RETAILER_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(16)
    .default(2)
    .describe('Sync jobs running at once against the same retailer, across all processes.'),
  SYNC_RETAILER_DELAY_MS: milliseconds(0, 3_600_000, 30_000).describe(
    'Politeness: least time between the starts of two sync jobs at the same retailer, across all processes.',
  ),
  SYNC_REQUEST_DELAY_MS: milliseconds(0, 60_000, 1_500).describe(
    'Politeness: least time between two page requests of one sync job.',
  ),
  SYNC_INTERVAL_MS: milliseconds(60_000, 30 * 86_400_000, 6 * 3_600_000).describe(
    'Time between periodic syncs of a connected store account.',
  ),
  SYNC_INTERVAL_JITTER: z.coerce
    .number()
    .min(0)
    .max(0.5)
    .default(0.1)
    .describe(
      'Each periodic sync is planned at the interval times a random factor in [1 - jitter, 1 + jitter].',
    ),
  SYNC_MAX_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(20)
    .default(5)
    .describe('Runs of one sync job at most (NETWORK, BLOCKED and INTERNAL failures are retried).'),
  SYNC_RETRY_BASE_MS: milliseconds(100, 3_600_000, 60_000).describe(
    'First retry delay; doubled per attempt (half of it random), capped by SYNC_RETRY_MAX_MS.',
  ),
  SYNC_RETRY_MAX_MS: milliseconds(1_000, 86_400_000, 3_600_000).describe('Longest retry delay.'),
  SYNC_LEASE_MS: milliseconds(5_000, 3_600_000, 300_000).describe(
    'How long a worker holds a running job without renewing its lease (renewed every third of it); an expired lease means the worker died and the job is taken over.',
  ),
  SYNC_NAVIGATION_TIMEOUT_MS: milliseconds(1_000, 120_000, 30_000).describe(
    'Longest wait for one page load or element during a sync; beyond it the run fails with NETWORK.',
  ),
  SYNC_SESSION_MAX_AGE_MS: milliseconds(60_000, 30 * 86_400_000, 12 * 3_600_000).describe(
    'How long a captured retailer session is reused when neither the adapter nor its cookies say when it expires.',
  ),
  PHOTO_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .max(20 * 1024 * 1024)
    .default(15 * 1024 * 1024)
    .describe(
      "Largest receipt photo in bytes (`POST /receipts/photo`); larger answers 413. At most the gateway's PROXY_MAX_BODY_BYTES.",
    ),
  PHOTO_MAX_PIXELS: z.coerce
    .number()
    .int()
    .positive()
    .max(268_402_689)
    .default(50_000_000)
    .describe('Most pixels (width × height) of a receipt photo; larger answers 413 before it is decoded.'),
  PHOTO_OCR_WORKERS: z.coerce
    .number()
    .int()
    .min(1)
    .max(8)
    .default(1)
    .describe(
      'OCR workers (tesseract.js worker threads) of one process: photos recognised at once; each takes a CPU and ~150 MB.',
    ),
  PHOTO_LEASE_MS: milliseconds(10_000, 3_600_000, 120_000).describe(
    'How long an OCR worker holds a photo without renewing its lease; an expired lease means the worker died and the photo is taken over.',
  ),
  PHOTO_MAX_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(10)
    .default(3)
    .describe('OCR runs of one photo at most before its draft is marked `failed`.'),
  PHOTO_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(365)
    .default(30)
    .describe(
      'Days an unconfirmed photo draft (and its photo) is kept after upload; a confirmed draft whose photo was not kept is deleted this long after confirmation.',
    ),
  CHROMIUM_PATH: z
    .string()
    .min(1)
    .default('/usr/bin/chromium')
    .describe('Chromium executable the sync jobs drive through playwright-core (Debian package `chromium`).'),
  REFERENCE_RETAILER_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      'Base URL of the reference retailer site (the test fixture of docs/retailer-adapters.md); set, the `reference-mart` adapter is registered. Unset in production.',
    ),
});

// Production ships every feature: connecting a store and receipts by e-mail have no "off" there.
export const envSchema = requireInProduction(variables, [
  ['CREDENTIAL_KEYS', 'the keys that seal store credentials (connecting a store)'],
  ['INBOUND_EMAIL_SECRET', 'the signature of the inbound e-mail webhook (receipts by e-mail)'],
]);
export type Config = z.infer<typeof envSchema>;

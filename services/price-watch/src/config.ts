/** Environment of price-watch; docs/configuration.md is generated from this schema. */
import { commaList, envFlag } from '@cartwatch/service-kit';
import { serviceEnvSchema } from '@cartwatch/service-runtime';
import { z } from 'zod';

const flag = envFlag(false);

export const envSchema = serviceEnvSchema('price-watch', {
  MATCH_NAME_THRESHOLD: z.coerce
    .number()
    .min(0.1)
    .max(1)
    .default(0.55)
    .describe(
      'Trigram name similarity (0..1) from which a purchase line matches an existing product of the same brand and size; below it a new product is created.',
    ),
  SHARED_PRICE_MIN_CONTRIBUTORS: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(3)
    .describe(
      'k: distinct contributors whose receipts must agree before a receipt price is shared with other users and public pages (store-sourced prices need none); docs/price-watch.md, docs/privacy.md.',
    ),
  SHARED_PRICE_WINDOW_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3650)
    .default(90)
    .describe(
      'How far back (days) the evidence of a shared price reaches: receipts and store prices older than this no longer count.',
    ),
  URL_CHECK_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(500)
    .max(60_000)
    .default(10_000)
    .describe('Total time a URL check may take, redirects included.'),
  URL_CHECK_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(20_000_000)
    .default(2_000_000)
    .describe('Largest page a URL check reads; larger pages fail with TOO_LARGE.'),
  URL_CHECK_MAX_REDIRECTS: z.coerce
    .number()
    .int()
    .min(0)
    .max(10)
    .default(5)
    .describe('Redirect hops a URL check follows (each hop is checked against the address policy).'),
  URL_CHECK_ALLOW_LOOPBACK: flag.describe(
    'TEST ONLY: lets URL checks reach loopback addresses (local fixture pages). Never enable in a deployment.',
  ),
  URL_CHECK_ALLOWED_ORIGINS: commaList
    .pipe(z.array(z.url({ protocol: /^https?$/ }).transform((origin) => new URL(origin).origin)))
    .describe(
      'DEVELOPMENT AND TESTS ONLY: comma-separated origins (`http://127.0.0.1:8087`) whose loopback addresses URL checks may reach (local pages, the demo store of `pnpm start`); every other loopback URL stays refused. Production refuses to start with it.',
    ),
  URL_RENDER_ENABLED: flag.describe(
    'Lets URL watches ask for rendering (`render: true`): the page runs in headless Chromium, every request it makes goes through the same address policy (docs/price-watch.md).',
  ),
  URL_RENDER_CHROMIUM_PATH: z
    .string()
    .min(1)
    .default('/usr/bin/chromium')
    .describe('The Chromium binary playwright-core starts for rendering (Debian package `chromium`).'),
  URL_RENDER_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(120_000)
    .default(20_000)
    .describe('Total time one rendered check may take: browser start, page, subresources and scripts.'),
  URL_RENDER_MAX_REQUESTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .default(60)
    .describe(
      'Requests a rendered page may make (scripts, styles, data); later ones are refused. Images, media and fonts are never fetched.',
    ),
  URL_RENDER_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(8)
    .default(1)
    .describe('Chromium instances one process runs at once; further rendered checks wait.'),
  WATCH_SCHEDULER_ENABLED: flag.describe('Runs the URL-watch scheduler in this process (main.ts).'),
  WATCH_SCHEDULER_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(32)
    .default(4)
    .describe('URL checks the scheduler runs at once.'),
  WATCH_CHECK_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .optional()
    .describe(
      "Time from one scheduled check of a URL watch to its next. Unset: each watch's own interval (6 hours). `pnpm start` and the end-to-end tests shorten it.",
    ),
  WATCH_HOST_DELAY_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(5_000)
    .describe('Politeness: least time between two checks of the same host (plus up to 50% jitter).'),
});
export type Config = z.infer<typeof envSchema>;

/** The consensus settings of shared prices (docs/price-watch.md, "Consensus prices"). */
export function sharedOptionsOf(
  config: Pick<Config, 'SHARED_PRICE_MIN_CONTRIBUTORS' | 'SHARED_PRICE_WINDOW_DAYS'>,
) {
  return {
    minContributors: config.SHARED_PRICE_MIN_CONTRIBUTORS,
    windowDays: config.SHARED_PRICE_WINDOW_DAYS,
  };
}

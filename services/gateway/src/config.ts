/** Environment of the gateway; docs/configuration.md is generated from this schema. */
import { defaultServiceUrl, type ServiceName, services, upstreamServices } from '@cartwatch/common-types';
import { commaList, envFlag, requireInProduction } from '@cartwatch/service-kit';
import { serviceEnvSchema } from '@cartwatch/service-runtime';
import { z } from 'zod';

const upstreamUrls = Object.fromEntries(
  upstreamServices.map((name) => [
    services[name].urlEnv,
    z
      .url({ protocol: /^https?$/ })
      .default(defaultServiceUrl(name))
      .describe(`Base URL of ${name} (default ${defaultServiceUrl(name)})`),
  ]),
) as Record<string, z.ZodDefault<z.ZodURL>>;

/** The variables themselves; `envSchema` adds the rules across them (commands pick from this one). */
export const envVariables = serviceEnvSchema('gateway', {
  ...upstreamUrls,
  UPSTREAM_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(120_000)
    .default(15_000)
    .describe('How long a proxied request may wait for its service before the gateway answers 504'),
  UPSTREAM_MAX_SOCKETS: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(256)
    .describe('Keep-alive connections per upstream service'),
  PROXY_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(20 * 1024 * 1024)
    .describe(
      'Largest request body the gateway proxies, by its Content-Length (default 20 MiB, the largest upload a ' +
        'service takes: receipt CSVs); larger ones get 413 before the body is read, also for `Expect: 100-continue`. ' +
        'Bodies without a length are streamed and limited by the service.',
    ),

  // Tokens
  JWT_ISSUER: z.string().min(1).default('cartwatch-gateway').describe('`iss` of access tokens'),
  JWT_AUDIENCE: z.string().min(1).default('cartwatch').describe('`aud` of access tokens'),
  JWT_SIGNING_KEYS: z
    .string()
    .optional()
    .describe(
      'JSON array of Ed25519 private JWKs, each with a `kid`; the first signs, the others only verify ' +
        '(rotation: prepend the new key, drop the old one 15 minutes later); required in production ' +
        '(docs/deploy.md, "Secrets", has the command that makes one). Unset outside production = ' +
        'a key generated once and kept in JWT_KEY_FILE.',
    ),
  JWT_KEY_FILE: z
    .string()
    .min(1)
    .default('.data/gateway/jwt-signing-keys.json')
    .describe('Where development keeps its generated signing key (used only when JWT_SIGNING_KEYS is unset)'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(3600)
    .default(900)
    .describe('Lifetime of access tokens (15 minutes)'),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(3600)
    .default(7 * 24 * 3600)
    .describe('Lifetime of refresh tokens (7 days)'),
  COOKIE_SECURE: envFlag(true).describe(
    'Mark the refresh cookie `Secure` (set false only for plain-HTTP local development)',
  ),

  // Passwords and one-time codes
  ARGON2_MEMORY_KIB: z.coerce
    .number()
    .int()
    .min(19_456)
    .default(19_456)
    .describe(
      'argon2id memory cost in KiB (at least 19 MiB); hashes with other parameters are upgraded on login',
    ),
  ARGON2_TIME_COST: z.coerce.number().int().min(2).default(2).describe('argon2id iterations (at least 2)'),
  ARGON2_PARALLELISM: z.coerce.number().int().min(1).max(16).default(1).describe('argon2id lanes'),
  OTP_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(3600)
    .default(600)
    .describe('How long an e-mailed or texted code is valid'),
  OTP_MAX_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(10)
    .default(5)
    .describe('Wrong guesses after which a code is burnt'),
  ADMIN_EMAIL: z
    .email()
    .optional()
    .describe('First admin account, created at start-up when missing (idempotent)'),
  ADMIN_PASSWORD: z
    .string()
    .min(12)
    .optional()
    .describe('Password of ADMIN_EMAIL (only used when creating it)'),

  // Delivery
  SMTP_URL: z
    .url({ protocol: /^smtps?$/ })
    .optional()
    .describe(
      'SMTP server for codes and alert e-mails (smtp:// or smtps://); required in production. Unset in ' +
        'development = e-mails are filed in DEV_MAILBOX_FILE (never in the log)',
    ),
  MAIL_FROM: z.string().min(3).default('CartWatch <no-reply@cartwatch.local>').describe('From: of e-mails'),
  SMS_PROVIDER_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      'HTTP endpoint that sends texts: POST JSON {to, text}; required in production (SMS codes: phone login ' +
        'and the SMS second factor). Unset in development = texts are filed in DEV_MAILBOX_FILE',
    ),
  SMS_PROVIDER_TOKEN: z.string().min(1).optional().describe('Bearer token for SMS_PROVIDER_URL'),
  DEV_MAILBOX_FILE: z
    .string()
    .min(1)
    .default('.data/gateway/dev-mailbox.jsonl')
    .describe(
      'Development only: where e-mails and texts (with their one-time codes) go when SMTP_URL / SMS_PROVIDER_URL ' +
        'is unset, one JSON object per line (a gateway started alone; `pnpm start` sends to its local mail catcher instead). Unused in production',
    ),

  // Notification deliveries (after commit, by the delivery worker)
  DELIVERY_WORKER_ENABLED: envFlag(true).describe(
    'Run the delivery worker in this process: it sends queued alerts (e-mail, SMS, webhook, web push), ' +
      'one-time codes and notices. Several replicas may run it (rows are leased); at least one process must',
  ),
  DELIVERY_POLL_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(10)
    .max(60_000)
    .default(1_000)
    .describe('How often the delivery worker looks for due messages'),
  DELIVERY_SEND_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(120_000)
    .default(10_000)
    .describe(
      'How long one send (SMTP, SMS provider, webhook, push service) may take before it counts as failed',
    ),
  DELIVERY_LEASE_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(3_600_000)
    .default(60_000)
    .describe(
      'How long a claimed message belongs to its worker; a worker that dies mid-send leaves it to another ' +
        'after this (must exceed DELIVERY_SEND_TIMEOUT_MS)',
    ),
  DELIVERY_MAX_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(50)
    .default(8)
    .describe(
      'Attempts per message before it is marked failed (the user sees it in /me/notifications/deliveries)',
    ),
  DELIVERY_RETRY_BASE_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(5_000)
    .describe(
      'Delay before the first retry; it doubles per attempt (with jitter) up to DELIVERY_RETRY_MAX_MS',
    ),
  DELIVERY_RETRY_MAX_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(3_600_000)
    .describe('Longest delay between two attempts'),
  DELIVERY_CONCURRENCY_ACCOUNT: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(4)
    .describe('Sends in flight per process for one-time codes and account notices (claimed before alerts)'),
  DELIVERY_CONCURRENCY_EMAIL: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(4)
    .describe('Alert e-mails in flight per process'),
  DELIVERY_CONCURRENCY_SMS: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(2)
    .describe('Alert texts in flight per process'),
  DELIVERY_CONCURRENCY_WEBHOOK: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(8)
    .describe('Webhook posts in flight per process (slow webhooks use up only these slots)'),
  DELIVERY_CONCURRENCY_PUSH: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(8)
    .describe('Web push messages in flight per process'),
  DELIVERY_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(365)
    .default(30)
    .describe(
      'How long sent and failed alert deliveries stay listed (codes and notices go when they expire)',
    ),
  DELIVERY_ALLOW_LOOPBACK_TARGETS: envFlag(false).describe(
    'Tests only: let webhooks and push endpoints on loopback addresses (127.0.0.0/8, ::1) through the SSRF ' +
      'check. Never set it in a shipped configuration; production refuses to start with it',
  ),
  // Whole-account exports (GET/POST /me/export), built by the export worker after the request commits
  EXPORT_WORKER_ENABLED: envFlag(true).describe(
    'Run the export worker in this process: it builds the zips of requested account exports. Several ' +
      'replicas may run it (jobs are leased); at least one process must',
  ),
  EXPORT_POLL_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(10)
    .max(60_000)
    .default(1_000)
    .describe('How often the export worker looks for queued exports'),
  EXPORT_LEASE_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(3_600_000)
    .default(600_000)
    .describe('How long a worker holds an export it runs; one whose worker died is taken over after this'),
  EXPORT_CALL_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(300_000)
    .default(30_000)
    .describe(
      "How long one service's answer to the export worker may take; EXPORT_LEASE_MS must exceed 15 times it",
    ),
  EXPORT_MAX_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(10)
    .default(3)
    .describe('Runs of an export before it is marked failed with the reason the user sees'),
  EXPORT_RETRY_BASE_MS: z.coerce
    .number()
    .int()
    .min(10)
    .max(3_600_000)
    .default(5_000)
    .describe(
      'Delay before an export is run again after a service failed; it doubles per attempt (with jitter)',
    ),
  EXPORT_RETRY_MAX_MS: z.coerce
    .number()
    .int()
    .min(10)
    .max(3_600_000)
    .default(300_000)
    .describe('Longest delay between two runs of one export'),
  EXPORT_RETENTION_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(168)
    .default(24)
    .describe('How long a finished export stays downloadable (an hour after its first download at most)'),
  EXPORT_MAX_PER_DAY: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(5)
    .describe('Exports one user may ask for in 24 hours (one at a time); more are 429'),
  VAPID_PUBLIC_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{87}$/, 'must be a base64url P-256 public key (65 bytes, no padding)')
    .optional()
    .describe(
      'Web Push (VAPID) public key, `npx web-push generate-vapid-keys`; required in production. Unset outside ' +
        'production = a pair generated once and kept in VAPID_KEY_FILE',
    ),
  VAPID_PRIVATE_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url P-256 private key (32 bytes, no padding)')
    .optional()
    .describe('Web Push (VAPID) private key of VAPID_PUBLIC_KEY; required in production'),
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, 'must be a mailto: address or an https: URL')
    .optional()
    .describe(
      'Contact the push services may use (mailto: or https:); required in production. Unset outside ' +
        'production = mailto:push@cartwatch.local',
    ),
  VAPID_KEY_FILE: z
    .string()
    .min(1)
    .default('.data/gateway/vapid-keys.json')
    .describe(
      'Where development keeps its generated VAPID key pair (used only when VAPID_PUBLIC_KEY is unset)',
    ),

  // Rate limits
  RATE_LIMIT_IP_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .default(1200)
    .describe('Requests per minute per client IP'),
  RATE_LIMIT_USER_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .default(1200)
    .describe('Requests per minute per signed-in user'),
  RATE_LIMIT_DEVICE_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .default(600)
    .describe('Requests per minute per device key on /device/*'),
  RATE_LIMIT_DEVICE_IP_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .default(6000)
    .describe(
      "Requests per minute per client IP on /device/*, checked before the device key (a store's carts share its address)",
    ),
  RATE_LIMIT_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/)
    .default('cw:gateway')
    .describe(
      "Prefix of the gateway's keys in Redis: rate limits and the public cache (separates deployments sharing one Redis)",
    ),
  AUTH_IP_PER_15_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(100)
    .describe('Credential attempts (login, codes, reset) per client IP per 15 minutes'),
  AUTH_REGISTER_PER_HOUR: z.coerce
    .number()
    .int()
    .min(1)
    .default(20)
    .describe('Registrations per client IP per hour (registration says whether an address is taken)'),
  AUTH_REFRESH_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .default(30)
    .describe(
      'Token refreshes per minute per session (unknown refresh tokens count as credential attempts per IP)',
    ),
  AUTH_ACCOUNT_MAX_FAILURES: z.coerce
    .number()
    .int()
    .min(1)
    .default(5)
    .describe(
      'Consecutive failed attempts on one account from one client IP before that client is locked out of it',
    ),
  AUTH_LOCKOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(60)
    .describe(
      'First lockout of a client from an account; each further lockout within 24 h doubles it (cap 24 h)',
    ),
  AUTH_SLOWDOWN_AFTER_FAILURES: z.coerce
    .number()
    .int()
    .min(1)
    .default(20)
    .describe(
      'Failed attempts on one account from all clients in 15 minutes after which every attempt on it is slowed down (100 ms doubling, at most 3 s)',
    ),
  REAUTH_MAX_AGE_SECONDS: z.coerce
    .number()
    .int()
    .min(30)
    .max(3600)
    .default(300)
    .describe(
      'How recently a session must have proven the password or a code to change e-mail, phone, password or second factor',
    ),

  // Public endpoints
  PUBLIC_CACHE_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3600)
    .default(30)
    .describe(
      'How long anonymous GET answers of /public/* are cached (Redis, or memory without REDIS_URL); the one ' +
        'public cache: clients are told to revalidate (Cache-Control no-cache), and services purge a route after a ' +
        'change (POST /internal/public-cache/purge); 0 = no cache',
    ),

  // Realtime
  SSE_HEARTBEAT_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(300)
    .default(15)
    .describe('Interval of the comment line that keeps idle SSE connections open'),

  // Edge
  CORS_ORIGINS: commaList.describe(
    'Comma-separated browser origins allowed by CORS (empty = same-origin only)',
  ),
});

// Production has no development fallback: one-time codes must be delivered, never filed; tokens are
// signed with the operator's keys, not a generated file. Redis is what the replicas share: without it each
// would keep its own rate limits and its own list of ended sessions, so a logged-out token would still
// work on the others.
const productionNeeds = [
  ['JWT_SIGNING_KEYS', 'the keys that sign access tokens, the same in every replica'],
  ['SMTP_URL', 'e-mailed codes (verification, password reset, login) and alert e-mails'],
  ['SMS_PROVIDER_URL', 'texted codes (phone login, the SMS second factor) and alert texts'],
  ['REDIS_URL', 'ended sessions and rate limits to every gateway replica'],
  ['VAPID_PUBLIC_KEY', 'web push: the key browsers subscribe with'],
  ['VAPID_PRIVATE_KEY', 'web push: the key push services verify'],
  ['VAPID_SUBJECT', 'web push: the contact push services ask for'],
] as const;

/** Service calls of one export run (5) times the attempts of each (3): what its lease must outlast. */
const EXPORT_CALLS_PER_RUN = 15;

const crossVariableRules = envVariables.superRefine((config, context) => {
  if (config.DELIVERY_LEASE_MS <= config.DELIVERY_SEND_TIMEOUT_MS)
    context.addIssue({
      code: 'custom',
      path: ['DELIVERY_LEASE_MS'],
      message: 'must exceed DELIVERY_SEND_TIMEOUT_MS (a send still running would be taken over)',
    });
  // A run asks five services, each call tried up to three times (the internal client's retries).
  if (config.EXPORT_LEASE_MS <= EXPORT_CALLS_PER_RUN * config.EXPORT_CALL_TIMEOUT_MS)
    context.addIssue({
      code: 'custom',
      path: ['EXPORT_LEASE_MS'],
      message: `must exceed ${EXPORT_CALLS_PER_RUN} × EXPORT_CALL_TIMEOUT_MS (a run still waiting on a service would be taken over)`,
    });
  if ((config.VAPID_PUBLIC_KEY === undefined) !== (config.VAPID_PRIVATE_KEY === undefined))
    context.addIssue({
      code: 'custom',
      path: [config.VAPID_PUBLIC_KEY === undefined ? 'VAPID_PUBLIC_KEY' : 'VAPID_PRIVATE_KEY'],
      message: 'VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are set together',
    });
  if (config.NODE_ENV !== 'production') return;
  if (config.DELIVERY_ALLOW_LOOPBACK_TARGETS)
    context.addIssue({
      code: 'custom',
      path: ['DELIVERY_ALLOW_LOOPBACK_TARGETS'],
      message: 'is for tests only: production never posts webhooks or pushes to loopback addresses',
    });
});
export const envSchema = requireInProduction(crossVariableRules, productionNeeds);
export type Config = z.infer<typeof envSchema>;

export function upstreamUrlOf(config: Config, name: Exclude<ServiceName, 'gateway'>): string {
  const url = (config as Record<string, unknown>)[services[name].urlEnv];
  if (typeof url !== 'string') throw new Error(`no URL configured for ${name}`);
  return url;
}

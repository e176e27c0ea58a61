/**
 * The environment of the whole product on one machine: what `pnpm start` (cli/start.ts) gives every
 * service, and what the end-to-end tests' Platform gives it too (tests/e2e/src/platform.ts), so the tests
 * run the product as a person starts it. Every feature a service ships is on (docs/configuration.md):
 * the URL-watch and store-sync schedulers, the delivery worker, URL rendering when Chromium is found;
 * the secrets production takes from its secret store are generated once into `dataDir` and reused:
 * the service key, store-credential keys, the inbound e-mail secret, the device-key pepper, the JWT
 * signing key and the VAPID key pair (the gateway writes the last two into the files named here), and
 * the local admin's password. E-mails and texts go to the local mail catcher (mail-catcher.ts), and
 * receipt-ingest syncs from the demo store (demo-store/demo-store.ts).
 *
 * Only what differs per run is the caller's: infrastructure URLs, ports, the event stream, rate-limit
 * prefixes and the test-only knobs listed in platform.ts.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ServiceName, serviceNames, serviceProcessEnv, services } from '@cartwatch/common-types';
import { startDemoStore } from './demo-store/demo-store.js';
import type { ReferenceRetailerSite } from './demo-store/reference-retailer.js';
import { type MailCatcher, startMailCatcher } from './mail-catcher.js';

export interface LocalProductEnvOptions {
  /** Where generated secrets are kept (`.data/` for `pnpm start`, a temporary directory for a test platform). */
  dataDir: string;
  /** Each service's base URL (what `*_URL` variables point at). */
  serviceUrls: Record<ServiceName, string>;
  /** The mail catcher's SMTP and SMS endpoints. */
  mail: { smtpUrl: string; smsUrl: string };
  /** The demo store's base URL (receipt-ingest's REFERENCE_RETAILER_URL). */
  demoStoreUrl: string;
  /** More loopback origins URL watches may check (e.g. a test's fixture page). */
  allowedOrigins?: readonly string[];
  /** The Chromium binary (default /usr/bin/chromium, or CHROMIUM_PATH). */
  chromiumPath?: string;
}

export interface LocalProductEnv {
  env: Record<string, string>;
  admin: { email: string; password: string };
  /** Chromium's path when found; undefined: rendering and store syncs are off (see `notes`). */
  chromium: string | undefined;
  /** Lines worth printing at start (what is off and why). */
  notes: string[];
}

export const LOCAL_ADMIN_EMAIL = 'admin@cartwatch.local';

/** A secret kept in `dataDir/<name>`: read when present, else generated, written (0600) and returned. */
export async function keptSecret(dataDir: string, name: string, generate: () => string): Promise<string> {
  const file = path.join(dataDir, name);
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const value = generate();
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${value}\n`, { mode: 0o600 });
  return value;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function localProductEnv(options: LocalProductEnvOptions): Promise<LocalProductEnv> {
  const { dataDir } = options;
  const secret = (name: string, generate: () => string) => keptSecret(dataDir, name, generate);
  const base64url = (bytes: number) => () => randomBytes(bytes).toString('base64url');
  const chromiumPath = options.chromiumPath ?? '/usr/bin/chromium';
  const chromium = executable(chromiumPath) ? chromiumPath : undefined;
  const notes: string[] = [];
  if (!chromium) {
    notes.push(
      `Chromium not found at ${chromiumPath} (set CHROMIUM_PATH, or apt-get install chromium): URL watches with rendering and store syncs are off`,
    );
  }
  const admin = { email: LOCAL_ADMIN_EMAIL, password: await secret('admin-password', base64url(18)) };
  const env: Record<string, string> = {
    // The process settings of the image (infra/Dockerfile), so `pnpm start` runs what ships.
    ...serviceProcessEnv,
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    SERVICE_KEY: await secret('service-key', base64url(32)),
    ...Object.fromEntries(serviceNames.map((name) => [services[name].urlEnv, options.serviceUrls[name]])),

    // gateway: the bootstrapped admin, keys it generates into these files, delivery to the catcher.
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    JWT_KEY_FILE: path.join(dataDir, 'jwt-signing-keys.json'),
    VAPID_KEY_FILE: path.join(dataDir, 'vapid-keys.json'),
    SMTP_URL: options.mail.smtpUrl,
    SMS_PROVIDER_URL: options.mail.smsUrl,
    DELIVERY_WORKER_ENABLED: 'true',
    EXPORT_WORKER_ENABLED: 'true',

    // receipt-ingest: store credentials sealed, the inbound e-mail webhook on, syncs scheduled from the
    // demo store. The demo store is the launcher's own server, so the politeness delays are short.
    CREDENTIAL_KEYS: await secret('credential-keys', () => `local:${randomBytes(32).toString('base64')}`),
    INBOUND_EMAIL_SECRET: await secret('inbound-email-secret', base64url(32)),
    SYNC_SCHEDULER_ENABLED: chromium ? 'true' : 'false',
    REFERENCE_RETAILER_URL: options.demoStoreUrl,
    SYNC_RETAILER_DELAY_MS: '1000',
    SYNC_REQUEST_DELAY_MS: '200',
    CHROMIUM_PATH: chromiumPath,

    // price-watch: URL watches check themselves every 5 minutes (6 hours in a deployment), may render,
    // and may reach the demo store (and the caller's loopback origins).
    WATCH_SCHEDULER_ENABLED: 'true',
    WATCH_CHECK_INTERVAL_SECONDS: '300',
    URL_RENDER_ENABLED: chromium ? 'true' : 'false',
    URL_RENDER_CHROMIUM_PATH: chromiumPath,
    URL_CHECK_ALLOWED_ORIGINS: [new URL(options.demoStoreUrl).origin, ...(options.allowedOrigins ?? [])].join(
      ',',
    ),

    // cart-device: device keys keyed by their own pepper, so a new SERVICE_KEY keeps devices paired.
    DEVICE_KEY_PEPPER: await secret('device-key-pepper', base64url(32)),

    // orders: the local payment provider (payments are completed on the order screen, no money moves);
    // set PAYMENT_PROVIDER=stripe and the STRIPE_* keys to try Stripe's test mode.
    PAYMENT_PROVIDER: 'test',
    PAYMENT_TEST_WEBHOOK_SECRET: await secret(
      'payment-test-webhook-secret',
      () => `whsec_${randomBytes(24).toString('base64')}`,
    ),
  };
  return { env, admin, chromium, notes };
}

export interface LocalCompanions {
  mailCatcher: MailCatcher;
  demoStore: ReferenceRetailerSite;
  stop(): Promise<void>;
}

/** The servers the product talks to locally: the mail catcher and the demo store (0 or unset: free ports). */
export async function startLocalCompanions(
  ports: { smtp?: number; inbox?: number; demoStore?: number } = {},
): Promise<LocalCompanions> {
  const mailCatcher = await startMailCatcher({
    ...(ports.smtp !== undefined && { smtpPort: ports.smtp }),
    ...(ports.inbox !== undefined && { httpPort: ports.inbox }),
  });
  const demoStore = await startDemoStore(
    ports.demoStore === undefined ? {} : { port: ports.demoStore },
  ).catch(async (error: unknown) => {
    await mailCatcher.stop();
    throw error;
  });
  let stopped: Promise<unknown> | undefined;
  return {
    mailCatcher,
    demoStore,
    async stop() {
      stopped ??= Promise.all([mailCatcher.stop(), demoStore.close()]);
      await stopped;
    },
  };
}

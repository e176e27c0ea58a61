/**
 * `pnpm start`: the whole platform on one machine. Uses DATABASE_URL / NATS_URL / REDIS_URL when set,
 * else an embedded Postgres and a `nats-server` under `.data/` on free ports (never the standard ones);
 * migrates every schema, starts the seven services with prefixed logs, prints the URLs, seeds demo
 * data through the public API when a seeder is present, and stops everything cleanly on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultManagementUrl, defaultServiceUrl, serviceNames, services } from '@cartwatch/common-types';
import { resolveInfrastructure } from '../infrastructure.js';
import { isPortFree } from '../ports.js';
import {
  forgetServices,
  isRunning,
  prefixFor,
  type RunningService,
  reclaimOrphanedServices,
  rememberServices,
  runToCompletion,
  startServiceProcess,
  stopAll,
  waitUntilReady,
} from '../service-processes.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const dataDir = path.resolve(process.env.CARTWATCH_DATA_DIR ?? path.join(repoRoot, '.data'));
/** Run by `pnpm start` once the platform is up, when present (the demo-data issue adds it). */
const demoSeeder = path.join(repoRoot, 'demo', 'seed.ts');
/** The services this launcher runs, so that the next one can stop them if this one is SIGKILLed. */
const servicesFile = path.join(dataDir, 'services.json');
/** How long services get to drain after their SIGTERM before they are SIGKILLed. */
const SERVICE_STOP_TIMEOUT_MS = 15_000;

function say(line: string): void {
  process.stdout.write(`${prefixFor('local-stack', 7)} ${line}\n`);
}

/** A stable local service key: kept in .data/ so restarts and `pnpm migrate` agree. */
async function localServiceKey(): Promise<string> {
  if (process.env.SERVICE_KEY) return process.env.SERVICE_KEY;
  const file = path.join(dataDir, 'service-key');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const key = randomBytes(32).toString('base64url');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/**
 * The local admin the gateway bootstraps (and the demo seeder uses) when ADMIN_EMAIL is unset: a fixed
 * address and a password generated once and kept in .data/admin-password.
 */
async function localAdmin(): Promise<{ email: string; password: string }> {
  const file = path.join(dataDir, 'admin-password');
  const email = 'admin@cartwatch.local';
  if (existsSync(file)) return { email, password: (await readFile(file, 'utf8')).trim() };
  const password = randomBytes(18).toString('base64url');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return { email, password };
}

async function main(): Promise<number> {
  const previous = await reclaimOrphanedServices(servicesFile, SERVICE_STOP_TIMEOUT_MS, say);
  if (previous) {
    say(`CartWatch is already running (launcher pid ${previous.ownerAlive}); stop it first`);
    return 1;
  }
  for (const name of serviceNames) {
    for (const port of [services[name].port, services[name].managementPort]) {
      if (!(await isPortFree(port))) {
        say(`port ${port} (${name}) is already in use; stop whatever runs there first`);
        return 1;
      }
    }
  }
  const infrastructure = await resolveInfrastructure({ dataDir, env: process.env, log: say });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    DATABASE_URL: infrastructure.databaseUrl,
    NATS_URL: infrastructure.natsUrl,
    SERVICE_KEY: await localServiceKey(),
    // orders: the local payment provider (the shopper completes payments on the order screen, no money
    // moves); set PAYMENT_PROVIDER=stripe and the STRIPE_* keys to try Stripe's test mode.
    PAYMENT_PROVIDER: process.env.PAYMENT_PROVIDER ?? 'test',
    // Without SMTP_URL / SMS_PROVIDER_URL the gateway files e-mails and texts (one-time codes) here.
    DEV_MAILBOX_FILE: process.env.DEV_MAILBOX_FILE ?? path.join(dataDir, 'dev-mailbox.jsonl'),
  };
  if (!process.env.ADMIN_EMAIL) {
    const admin = await localAdmin();
    env.ADMIN_EMAIL = admin.email;
    env.ADMIN_PASSWORD = admin.password;
  }
  if (infrastructure.redisUrl) env.REDIS_URL = infrastructure.redisUrl;
  else
    say('REDIS_URL is unset: rate limits and caches are in memory (fine for one instance of each service)');

  const running: RunningService[] = [];
  let stopping: Promise<number> | undefined;
  /**
   * Services first (one SIGTERM each; they drain against a still running Postgres and NATS), then NATS,
   * then Postgres. Resolves with the exit code: 0, or 1 when something could not be stopped.
   */
  const stop = (reason: string): Promise<number> => {
    stopping ??= (async () => {
      say(`${reason}: stopping services`);
      let code = 0;
      try {
        await stopAll(running, SERVICE_STOP_TIMEOUT_MS);
        await forgetServices(servicesFile);
      } catch (error) {
        say(`stopping services failed: ${error instanceof Error ? error.message : String(error)}`);
        code = 1;
      }
      try {
        if (infrastructure.started.length > 0) say(`stopping ${infrastructure.started.join(' and ')}`);
        await infrastructure.stop();
      } catch (error) {
        say(`stopping infrastructure failed: ${error instanceof Error ? error.message : String(error)}`);
        code = 1;
      }
      say('stopped');
      return code;
    })();
    return stopping;
  };
  // Services and infrastructure run in their own process groups: a terminal's Ctrl-C (or SIGHUP when it
  // closes) reaches only this process, which stops them in order. A repeated Ctrl-C changes nothing: the
  // services each get exactly one SIGTERM and at most SERVICE_STOP_TIMEOUT_MS to drain.
  for (const [signal, reason] of [
    ['SIGINT', 'interrupted'],
    ['SIGTERM', 'terminated'],
    ['SIGHUP', 'hung up'],
  ] as const) {
    process.on(signal, () => {
      if (stopping) {
        say(
          `${reason} again: still waiting for the services to drain (at most ${SERVICE_STOP_TIMEOUT_MS / 1000} s)`,
        );
        return;
      }
      void stop(reason).then((code) => process.exit(code));
    });
  }

  for (const [index, name] of serviceNames.entries()) {
    if (stopping) return await stopping;
    const code = await runToCompletion(process.execPath, ['dist/migrate.js', 'latest'], {
      env,
      cwd: path.join(repoRoot, 'services', name),
      prefix: prefixFor(name, index),
    });
    if (stopping) return await stopping;
    if (code !== 0) {
      say(`migrations of ${name} failed (exit ${code})`);
      await stop('migration failed');
      return 1;
    }
  }

  for (const [index, name] of serviceNames.entries()) {
    const service = startServiceProcess(name, index, { repoRoot, env });
    running.push(service);
    void service.exited.then((code) => {
      if (!stopping) void stop(`${name} exited with code ${code}`).then(() => process.exit(1));
    });
  }
  await rememberServices(servicesFile, running);

  const ready = await Promise.all(
    running.map((service) =>
      waitUntilReady(
        defaultManagementUrl(service.name, '127.0.0.1'),
        60_000,
        () => !isRunning(service.child) || stopping !== undefined,
      ),
    ),
  );
  if (stopping) return await stopping;
  const notReady = running.filter((_, index) => !ready[index]).map((service) => service.name);
  if (notReady.length > 0) {
    await stop(`not ready after 60 s: ${notReady.join(', ')}`);
    return 1;
  }

  say('CartWatch is up:');
  for (const name of serviceNames) say(`  ${name.padEnd(15)} ${defaultServiceUrl(name, 'localhost')}`);
  say(`  postgres        ${infrastructure.databaseUrl.replace(/\/\/[^@]*@/, '//')}`);
  say(`  nats            ${infrastructure.natsUrl}`);
  say('Open http://localhost:8080 ; Ctrl-C stops everything.');
  if (!process.env.ADMIN_EMAIL)
    say(`  admin           ${env.ADMIN_EMAIL} (password in ${path.join(dataDir, 'admin-password')})`);
  if (!process.env.SMTP_URL || !process.env.SMS_PROVIDER_URL)
    say(`  codes           e-mails and texts with one-time codes are filed in ${env.DEV_MAILBOX_FILE}`);

  if (existsSync(demoSeeder) && process.env.CARTWATCH_DEMO_DATA !== 'off') {
    const code = await runToCompletion(process.execPath, ['--import', 'tsx', demoSeeder], {
      env: { ...env, GATEWAY_URL: defaultServiceUrl('gateway', '127.0.0.1') },
      cwd: repoRoot,
      prefix: prefixFor('demo-data', 7),
    });
    if (code !== 0) say(`demo data seeding failed (exit ${code}); the platform keeps running`);
  }
  await new Promise<never>(() => {});
  return 0;
}

process.exitCode = await main();

/**
 * `pnpm start`: the whole product on one machine, every feature on. Uses DATABASE_URL / NATS_URL /
 * REDIS_URL when set, else an embedded Postgres and a `nats-server` under `.data/` on free ports (never
 * the standard ones); starts the local mail catcher (inbox on http://localhost:8025) and the demo store;
 * migrates every schema, starts the seven services with the product's environment (product-env.ts, the
 * same the end-to-end tests run) and prefixed logs, prints the URLs, seeds demo data through the public
 * API when a seeder is present, and stops everything cleanly on Ctrl-C. A variable set in the shell wins.
 *
 * `pnpm start --replicas N` runs N processes of every service (default 1): each replica on free ports of
 * its own (the first keeps the registered management port), behind a round-robin front on the service's
 * registered port, which every `*_URL` and the web app use (docs/architecture.md#scale-out).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultServiceUrl, serviceNames, services } from '@cartwatch/common-types';
import { DEMO_STORE_ACCOUNT, ensureDemoStoreRetailer } from '../demo-store/demo-store.js';
import { resolveInfrastructure } from '../infrastructure.js';
import { findFreePort, isPortFree } from '../ports.js';
import { localProductEnv, startLocalCompanions } from '../product-env.js';
import { startRedisServer } from '../redis-server.js';
import { type RoundRobinFront, startRoundRobinFront } from '../round-robin-front.js';
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
import { replicasArgument } from './replicas-argument.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const dataDir = path.resolve(process.env.CARTWATCH_DATA_DIR ?? path.join(repoRoot, '.data'));
/** Run by `pnpm start` once the platform is up, when present (the demo-data issue adds it). */
const demoSeeder = path.join(repoRoot, 'demo', 'seed.ts');
/** The services this launcher runs, so that the next one can stop them if this one is SIGKILLed. */
const servicesFile = path.join(dataDir, 'services.json');
/** How long services get to drain after their SIGTERM before they are SIGKILLed. */
const SERVICE_STOP_TIMEOUT_MS = 15_000;
/** The local mail catcher (SMTP, and its inbox page) and the demo store: fixed, so README can name them. */
const companionPorts = { smtp: 1025, inbox: 8025, demoStore: 8087 } as const;

function say(line: string): void {
  process.stdout.write(`${prefixFor('local-stack', 7)} ${line}\n`);
}

/** The shell's variables that are set (they win over the product's). */
function shellEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

async function main(): Promise<number> {
  const replicas = replicasArgument(process.argv.slice(2));
  if (replicas === undefined) {
    say('--replicas takes a whole number from 1 to 8');
    return 1;
  }
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
  for (const [what, port] of Object.entries(companionPorts)) {
    if (!(await isPortFree(port))) {
      say(
        `port ${port} (${what === 'demoStore' ? 'demo store' : `mail catcher ${what}`}) is already in use; stop whatever runs there first`,
      );
      return 1;
    }
  }
  const infrastructure = await resolveInfrastructure({ dataDir, env: process.env, log: say });
  const companions = await startLocalCompanions(companionPorts);
  const product = await localProductEnv({
    dataDir,
    serviceUrls: Object.fromEntries(
      serviceNames.map((name) => [name, defaultServiceUrl(name, '127.0.0.1')]),
    ) as Record<(typeof serviceNames)[number], string>,
    mail: companions.mailCatcher,
    demoStoreUrl: companions.demoStore.url,
    allowedOrigins: (process.env.URL_CHECK_ALLOWED_ORIGINS ?? '')
      .split(',')
      .filter((origin) => origin !== ''),
    ...(process.env.CHROMIUM_PATH && { chromiumPath: process.env.CHROMIUM_PATH }),
  });
  const env: NodeJS.ProcessEnv = {
    ...product.env,
    ...shellEnv(),
    URL_CHECK_ALLOWED_ORIGINS: product.env.URL_CHECK_ALLOWED_ORIGINS,
    DATABASE_URL: infrastructure.databaseUrl,
    NATS_URL: infrastructure.natsUrl,
  };
  if (infrastructure.redisUrl) env.REDIS_URL = infrastructure.redisUrl;
  else if (replicas === 1)
    say('REDIS_URL is unset: rate limits and caches are in memory (fine for one instance of each service)');
  // Replicas share rate limits, the public cache and ended sessions through Redis (in memory, each would
  // keep its own): without REDIS_URL, a throwaway redis-server of the launcher's.
  const redis =
    infrastructure.redisUrl || replicas === 1
      ? undefined
      : await startRedisServer().catch(async (error: unknown) => {
          await companions.stop().catch(() => {});
          await infrastructure.stop().catch(() => {});
          throw error;
        });
  if (redis) {
    env.REDIS_URL = redis.url;
    say(`REDIS_URL is unset: started redis-server on ${redis.url} for the ${replicas} replicas to share`);
  }
  for (const note of product.notes) say(note);

  const running: RunningService[] = [];
  const fronts: RoundRobinFront[] = [];
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
      await Promise.all(fronts.map((front) => front.close()));
      await companions.stop().catch((error: unknown) => {
        say(
          `stopping the mail catcher and demo store failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        code = 1;
      });
      await redis?.stop().catch((error: unknown) => {
        say(`stopping redis-server failed: ${error instanceof Error ? error.message : String(error)}`);
        code = 1;
      });
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

  // One replica: each service on its registered ports. More: a front on the registered port, replicas on
  // free ports; the first replica starts alone (the gateway writes its generated keys for the others).
  const frontOf = new Map<string, RoundRobinFront>();
  const replicaPorts: Array<Record<string, { port: number; managementPort: number }>> = [];
  for (let replica = 0; replica < replicas; replica++) {
    const ports: Record<string, { port: number; managementPort: number }> = {};
    for (const name of serviceNames) {
      ports[name] =
        replicas === 1
          ? { port: services[name].port, managementPort: services[name].managementPort }
          : {
              port: await findFreePort(),
              managementPort: replica === 0 ? services[name].managementPort : await findFreePort(),
            };
    }
    replicaPorts.push(ports);
  }
  if (replicas > 1) {
    for (const name of serviceNames) {
      // On the interface the services listen on without replicas (HOST, default all interfaces).
      const front = await startRoundRobinFront({ port: services[name].port, host: env.HOST ?? '0.0.0.0' });
      fronts.push(front);
      frontOf.set(name, front);
    }
  }
  for (let replica = 0; replica < replicas; replica++) {
    const batch: RunningService[] = [];
    for (const [index, name] of serviceNames.entries()) {
      const ports = replicaPorts[replica]?.[name] ?? services[name];
      const label = replicas > 1 ? `${name}#${replica + 1}` : name;
      const service = startServiceProcess(name, index, {
        repoRoot,
        env,
        port: ports.port,
        managementPort: ports.managementPort,
        ...(replicas > 1 && { replica }),
      });
      batch.push(service);
      running.push(service);
      void service.exited.then((code) => {
        if (!stopping) void stop(`${label} exited with code ${code}`).then(() => process.exit(1));
      });
    }
    await rememberServices(servicesFile, running);

    const ready = await Promise.all(
      batch.map((service) =>
        waitUntilReady(
          `http://127.0.0.1:${replicaPorts[replica]?.[service.name]?.managementPort}`,
          60_000,
          () => !isRunning(service.child) || stopping !== undefined,
        ),
      ),
    );
    if (stopping) return await stopping;
    const notReady = batch
      .filter((_, index) => !ready[index])
      .map((service) => (replicas > 1 ? `${service.name}#${replica + 1}` : service.name));
    if (notReady.length > 0) {
      await stop(`not ready after 60 s: ${notReady.join(', ')}`);
      return 1;
    }
    for (const service of batch) {
      frontOf.get(service.name)?.add(`http://127.0.0.1:${replicaPorts[replica]?.[service.name]?.port}`);
    }
  }

  say('CartWatch is up:');
  for (const name of serviceNames) {
    say(`  ${name.padEnd(15)} ${defaultServiceUrl(name, 'localhost')}`);
    if (replicas === 1) continue;
    for (const [replica, ports] of replicaPorts.entries()) {
      say(
        `    #${replica + 1} http://localhost:${ports[name]?.port} (management http://localhost:${ports[name]?.managementPort})`,
      );
    }
  }
  say(`  postgres        ${infrastructure.databaseUrl.replace(/\/\/[^@]*@/, '//')}`);
  say(`  nats            ${infrastructure.natsUrl}`);
  say(`  inbox           http://localhost:${companionPorts.inbox} (every e-mail and text the gateway sends)`);
  say(
    `  demo store      ${companions.demoStore.url.replace('127.0.0.1', 'localhost')} (Reference Mart: connect it as ${DEMO_STORE_ACCOUNT.username} / ${DEMO_STORE_ACCOUNT.password})`,
  );
  if (!process.env.ADMIN_EMAIL)
    say(`  admin           ${env.ADMIN_EMAIL} (password in ${path.join(dataDir, 'admin-password')})`);
  say('Open http://localhost:8080 ; Ctrl-C stops everything.');

  if (existsSync(demoSeeder) && process.env.CARTWATCH_DEMO_DATA !== 'off') {
    const code = await runToCompletion(process.execPath, ['--import', 'tsx', demoSeeder], {
      env: { ...env, GATEWAY_URL: defaultServiceUrl('gateway', '127.0.0.1') },
      cwd: repoRoot,
      prefix: prefixFor('demo-data', 7),
    });
    if (code !== 0) say(`demo data seeding failed (exit ${code}); the platform keeps running`);
  }
  // After the seeder, which seeds only a platform without retailers.
  try {
    const created = await ensureDemoStoreRetailer(
      defaultServiceUrl('gateway', '127.0.0.1'),
      { email: env.ADMIN_EMAIL ?? '', password: env.ADMIN_PASSWORD ?? '' },
      companions.demoStore.url,
    );
    if (created) say('demo store: retailer reference-mart created (Store accounts screen → Reference Mart)');
  } catch (error) {
    say(
      `demo store: could not create its retailer: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  await new Promise<never>(() => {});
  return 0;
}

process.exitCode = await main();

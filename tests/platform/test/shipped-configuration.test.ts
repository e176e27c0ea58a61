/**
 * As shipped, as tested (docs/deploy.md, "Shipped configurations"): for infra/docker-compose.yml and for
 * each rendered Kubernetes overlay, every service process starts with exactly the environment that
 * configuration gives it (compose `environment:` interpolated from placeholder secrets; a container's
 * `envFrom` and `env` from the rendered ConfigMaps and placeholder Secrets), NODE_ENV=production, with
 * only the hosts mapped to loopback: Postgres, NATS and Redis to the test's own database and stream, and
 * every service's name to the free loopback port that service listens on. Each must reach /ready, every
 * `*_URL` it reads must name the service it means, and every feature a service ships must be on.
 */
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { type ServiceName, serviceNames, services } from '@cartwatch/common-types';
import { createDatabase } from '@cartwatch/db';
import { parseDockerfile, stageEnvironment } from '@cartwatch/deploy-tests/dockerfile';
import { composeEnvironment, containerEnvironment } from '@cartwatch/deploy-tests/environment';
import { podContainers, podSpecOf, renderKustomization } from '@cartwatch/deploy-tests/kustomize';
import { isRecord, type KubeObject, loadYaml, readText, repoPath } from '@cartwatch/deploy-tests/repo';
import { findFreePort } from '@cartwatch/local-stack';
import { loadConfig } from '@cartwatch/service-kit';
import { createTestStream, type TestStream, testEnv } from '@cartwatch/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnService } from './processes.js';
import { envSchemas } from './services.js';

const rec = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});

/** One process a configuration runs: a compose service or a Deployment's container. */
interface ShippedProcess {
  label: string;
  service: ServiceName;
  /** The environment exactly as the configuration gives it (before any host is mapped). */
  env: Record<string, string>;
}

interface Configuration {
  name: string;
  processes: ShippedProcess[];
  /** The migration steps (compose `migrate-*`, the `migrate` init containers), run first. */
  migrations: ShippedProcess[];
  /** Where this configuration reaches each service: compose service name / k8s Service name, and port. */
  endpoints: Map<ServiceName, { host: string; port: number }>;
  database: { host: string; port: number };
}

// --- Placeholder secrets, in the formats production checks -----------------------------------------

const sinks: { smtp: number; sms: number } = { smtp: 0, sms: 0 };

function vapidKeys(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pub = publicKey.export({ format: 'jwk' });
  const priv = privateKey.export({ format: 'jwk' });
  const raw = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(String(pub.x), 'base64url'),
    Buffer.from(String(pub.y), 'base64url'),
  ]);
  return { publicKey: raw.toString('base64url'), privateKey: String(priv.d) };
}

function placeholderSecrets(): Record<string, string> {
  const signing = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  const vapid = vapidKeys();
  return {
    POSTGRES_PASSWORD: randomBytes(24).toString('hex'),
    SERVICE_KEY: randomBytes(32).toString('hex'),
    username: 'cartwatch_role',
    password: randomBytes(24).toString('hex'),
    STRIPE_SECRET_KEY: `sk_test_${randomBytes(12).toString('hex')}`,
    STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(12).toString('hex')}`,
    STRIPE_PUBLISHABLE_KEY: `pk_test_${randomBytes(12).toString('hex')}`,
    SMS_PROVIDER_TOKEN: randomBytes(16).toString('hex'),
    JWT_SIGNING_KEYS: JSON.stringify([{ ...signing, kid: randomUUID() }]),
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: 'mailto:ops@cartwatch.example.com',
    CREDENTIAL_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    INBOUND_EMAIL_SECRET: randomBytes(32).toString('hex'),
    INBOUND_EMAIL_DOMAIN: 'inbound.cartwatch.example.com',
    DEVICE_KEY_PEPPER: randomBytes(32).toString('hex'),
  };
}

// --- Reading the configurations ---------------------------------------------------------------------

/** `cartwatch/price-watch:…` (compose) or `ghcr.io/cartwatch/price-watch:…` (k8s) → price-watch. */
function serviceOfImage(image: unknown): ServiceName | undefined {
  const match = /(?:^|\/)cartwatch\/([a-z-]+)(?::|@|$)/.exec(String(image ?? ''));
  return serviceNames.find((name) => name === match?.[1]);
}

/** The values `docker compose --env-file infra/.env` reads: .env.example's defaults and the secrets. */
function composeConfiguration(secrets: Record<string, string>): Configuration {
  const compose = rec(loadYaml(repoPath('infra/docker-compose.yml')));
  const example = readText(repoPath('infra/.env.example'));
  const variables: Record<string, string> = {};
  for (const [, name, value] of example.matchAll(/^([A-Z0-9_]+)=(.*)$/gm))
    if (name && value) variables[name] = value;
  Object.assign(variables, secrets);
  const processes: ShippedProcess[] = [];
  const migrations: ShippedProcess[] = [];
  const endpoints = new Map<ServiceName, { host: string; port: number }>();
  for (const [label, raw] of Object.entries(rec(compose.services))) {
    const service = serviceOfImage(rec(raw).image);
    if (!service) continue;
    const env = composeEnvironment(rec(raw), variables);
    const command = rec(raw).command;
    if (Array.isArray(command) && command[0] === 'dist/migrate.js') {
      migrations.push({ label, service, env });
      continue;
    }
    processes.push({ label, service, env });
    if (!endpoints.has(service)) endpoints.set(service, { host: label, port: Number(env.PORT) });
  }
  return { name: 'compose', processes, migrations, endpoints, database: { host: 'postgres', port: 5432 } };
}

function kubernetesConfiguration(overlay: string, secrets: Record<string, string>): Configuration {
  const { objects } = renderKustomization(repoPath(overlay));
  const secretValue = (_secret: string, key: string) => secrets[key];
  const processes: ShippedProcess[] = [];
  const migrations: ShippedProcess[] = [];
  const endpoints = new Map<ServiceName, { host: string; port: number }>();
  for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
    const podSpec = rec(podSpecOf(deployment));
    const labels = rec(rec(rec(deployment.spec).template).metadata).labels as Record<string, string>;
    for (const container of podContainers(deployment)) {
      const service = serviceOfImage(container.image);
      if (!service) continue;
      const label = `Deployment/${deployment.metadata.name} ${String(container.name)}`;
      const env = containerEnvironment(deployment, String(container.name), objects, secretValue);
      const isInit = ((podSpec.initContainers as unknown[]) ?? []).includes(container);
      (isInit ? migrations : processes).push({ label, service, env });
      if (isInit || endpoints.has(service)) continue;
      const fronting = objects.find(
        (o: KubeObject) =>
          o.kind === 'Service' &&
          Object.entries(rec(rec(o.spec).selector)).every(([key, value]) => labels[key] === value),
      );
      const port = rec(((rec(fronting?.spec).ports as unknown[]) ?? [])[0]).port;
      if (fronting) endpoints.set(service, { host: fronting.metadata.name, port: Number(port) });
    }
  }
  return {
    name: overlay,
    processes,
    migrations,
    endpoints,
    database: { host: 'cartwatch-db-rw', port: 5432 },
  };
}

/** The `*_URL` variables of the registry that a service's config schema reads: its outgoing calls. */
function urlVariablesOf(service: ServiceName): { variable: string; target: ServiceName }[] {
  const shape = envSchemas[service].shape as Record<string, unknown>;
  return serviceNames
    .filter((target) => target !== service && services[target].urlEnv in shape)
    .map((target) => ({ variable: services[target].urlEnv, target }));
}

// --- Running a configuration on loopback ------------------------------------------------------------

interface Started {
  process: ShippedProcess;
  /** The environment the process was started with (hosts mapped to loopback). */
  env: Record<string, string>;
  managementPort: number;
  child?: ChildProcess;
  ready?: { status: number; body: unknown };
  failure?: string;
}

/** Maps the configuration's hosts to loopback; throws when an infrastructure address is not the shipped one. */
function mapToLoopback(
  configuration: Configuration,
  process: ShippedProcess,
  ports: Map<ServiceName, { port: number; managementPort: number }>,
  databaseUrl: string,
  stream: TestStream,
): Record<string, string> {
  const { natsUrl, redisUrl } = testEnv();
  const own = ports.get(process.service);
  const env: Record<string, string> = {
    // The image's own environment (infra/Dockerfile, runtime stage), then the configuration's.
    ...stageEnvironment(parseDockerfile(readText(repoPath('infra/Dockerfile'))), 'runtime', {
      SERVICE: process.service,
      PORT: String(services[process.service].port),
    }),
    ...process.env,
    PATH: globalThis.process.env.PATH ?? '',
  };
  const byAddress = new Map(
    [...configuration.endpoints].map(([service, { host, port }]) => [
      `${host}:${port}`,
      ports.get(service)?.port,
    ]),
  );
  for (const [variable, value] of Object.entries(env)) {
    if (!/^https?:\/\//.test(value)) continue;
    const url = new URL(value);
    const loopbackPort = byAddress.get(
      `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`,
    );
    if (loopbackPort === undefined) continue;
    url.hostname = '127.0.0.1';
    url.port = String(loopbackPort);
    env[variable] = url.toString().replace(/\/$/, value.endsWith('/') ? '/' : '');
  }
  if (env.DATABASE_URL !== undefined) {
    const url = new URL(env.DATABASE_URL);
    if (`${url.hostname}:${url.port}` !== `${configuration.database.host}:${configuration.database.port}`)
      throw new Error(`${process.label}: DATABASE_URL points at ${url.hostname}:${url.port}`);
    env.DATABASE_URL = databaseUrl;
  }
  if (env.NATS_URL !== undefined) {
    if (env.NATS_URL !== 'nats://nats:4222') throw new Error(`${process.label}: NATS_URL is ${env.NATS_URL}`);
    env.NATS_URL = natsUrl;
    env.EVENTS_STREAM = stream.streamName;
    env.EVENTS_SUBJECT_PREFIX = stream.subjectPrefix;
    // The loopback NATS is one server: copies on other servers need the cluster (k8s/infrastructure),
    // so the shipped replica count is checked statically (tests/deploy/test/event-stream.test.ts).
    if (env.EVENTS_STREAM_REPLICAS !== undefined) env.EVENTS_STREAM_REPLICAS = '1';
  }
  if (env.REDIS_URL !== undefined) {
    if (env.REDIS_URL !== 'redis://redis:6379')
      throw new Error(`${process.label}: REDIS_URL is ${env.REDIS_URL}`);
    env.REDIS_URL = redisUrl;
  }
  if (own) {
    env.HOST = '127.0.0.1';
    env.PORT = String(own.port);
    env.MANAGEMENT_PORT = String(own.managementPort);
  }
  return env;
}

async function waitForReady(started: Started, exited: Promise<number | null>, logs: () => string) {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !gone) {
    try {
      const response = await fetch(`http://127.0.0.1:${started.managementPort}/ready`);
      if (response.status === 200) {
        started.ready = { status: 200, body: await response.json() };
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  started.failure = `${started.process.label} ${gone ? `exited (code ${started.child?.exitCode})` : 'never became ready'}:\n${logs().slice(-3000)}`;
}

/**
 * One database for the file, migrated by the first configuration's migration steps (compose's
 * `migrate-*`); the Kubernetes init containers run the same command with their container's env
 * (tests/deploy checks that), so migrating again would only cost time.
 */
const shared = { database: '', url: '', migrated: false };

async function sharedDatabase(): Promise<string> {
  if (shared.url) return shared.url;
  const { databaseUrl } = testEnv();
  shared.database = `shipped_${randomBytes(5).toString('hex')}`;
  const admin = createDatabase<unknown>({ connectionString: databaseUrl, schema: 'public', max: 1 });
  await sql`create database ${sql.id(shared.database)}`.execute(admin.db);
  await admin.close();
  const url = new URL(databaseUrl);
  url.pathname = `/${shared.database}`;
  shared.url = url.toString();
  return shared.url;
}

async function dropSharedDatabase(): Promise<void> {
  if (!shared.database) return;
  const admin = createDatabase<unknown>({
    connectionString: testEnv().databaseUrl,
    schema: 'public',
    max: 1,
  });
  await sql`drop database if exists ${sql.id(shared.database)} with (force)`.execute(admin.db);
  await admin.close();
}

class RunningConfiguration {
  readonly started: Started[] = [];
  private stream?: TestStream;
  private readonly exits: Promise<number | null>[] = [];

  constructor(readonly configuration: Configuration) {}

  async start(): Promise<void> {
    const databaseUrl = await sharedDatabase();
    const stream = await createTestStream();
    this.stream = stream;
    const ports = new Map<ServiceName, { port: number; managementPort: number }>();
    for (const name of serviceNames) ports.set(name, { port: await findFreePort(), managementPort: 0 });
    for (const entry of ports.values()) entry.managementPort = await findFreePort();

    if (!shared.migrated) {
      // As the configuration runs them, all at once; one that lost a race on a shared extension
      // (`create extension if not exists` is not concurrency-safe) runs again alone.
      const migrate = async (migration: ShippedProcess) => {
        const env = mapToLoopback(this.configuration, migration, new Map(), databaseUrl, stream);
        const step = spawnService(migration.service, ['dist/migrate.js', 'latest'], env);
        return { migration, code: await step.exited, logs: step.logs() };
      };
      const first = await Promise.all(this.configuration.migrations.map(migrate));
      for (const failed of first.filter((result) => result.code !== 0)) {
        const again = await migrate(failed.migration);
        if (again.code !== 0)
          throw new Error(
            `${again.migration.label} failed (exit ${again.code}):\n${again.logs.slice(-3000)}`,
          );
      }
      shared.migrated = true;
    }

    await Promise.all(
      this.configuration.processes.map(async (process) => {
        const env = mapToLoopback(this.configuration, process, ports, databaseUrl, stream);
        const started: Started = { process, env, managementPort: Number(env.MANAGEMENT_PORT) };
        this.started.push(started);
        const child = spawnService(process.service, ['dist/main.js'], env);
        started.child = child.child;
        this.exits.push(child.exited);
        await waitForReady(started, child.exited, child.logs);
      }),
    );
  }

  async stop(): Promise<void> {
    for (const started of this.started) started.child?.kill('SIGTERM');
    await Promise.race([Promise.all(this.exits), new Promise((resolve) => setTimeout(resolve, 15_000))]);
    for (const started of this.started) if (started.child?.exitCode === null) started.child.kill('SIGKILL');
    await this.stream?.cleanup();
  }
}

// --- The checks -------------------------------------------------------------------------------------

const servers: Server[] = [];

beforeAll(async () => {
  // Loopback sinks for the SMTP server and the SMS provider the placeholders name.
  for (const sink of ['smtp', 'sms'] as const) {
    const server = createServer((socket) => {
      if (sink === 'smtp') socket.write('220 sink ESMTP\r\n');
      socket.on('data', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    sinks[sink] = typeof address === 'object' && address ? address.port : 0;
    servers.push(server);
  }
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await dropSharedDatabase();
}, 30_000);

/** Features a service ships only when a variable turns them on: some process must have each on. */
const featureGates: {
  service: ServiceName;
  variable: string;
  on: (config: Record<string, unknown>) => boolean;
}[] = [
  { service: 'gateway', variable: 'DELIVERY_WORKER_ENABLED', on: (c) => c.DELIVERY_WORKER_ENABLED === true },
  { service: 'gateway', variable: 'EXPORT_WORKER_ENABLED', on: (c) => c.EXPORT_WORKER_ENABLED === true },
  {
    service: 'price-watch',
    variable: 'WATCH_SCHEDULER_ENABLED',
    on: (c) => c.WATCH_SCHEDULER_ENABLED === true,
  },
  { service: 'price-watch', variable: 'URL_RENDER_ENABLED', on: (c) => c.URL_RENDER_ENABLED === true },
  {
    service: 'receipt-ingest',
    variable: 'SYNC_SCHEDULER_ENABLED',
    on: (c) => c.SYNC_SCHEDULER_ENABLED === true,
  },
  { service: 'receipt-ingest', variable: 'CREDENTIAL_KEYS', on: (c) => c.CREDENTIAL_KEYS !== undefined },
  {
    service: 'receipt-ingest',
    variable: 'INBOUND_EMAIL_SECRET',
    on: (c) => c.INBOUND_EMAIL_SECRET !== undefined,
  },
  {
    // The development default (…cartwatch.local) is an address nobody can send mail to.
    service: 'receipt-ingest',
    variable: 'INBOUND_EMAIL_DOMAIN',
    on: (c) => !String(c.INBOUND_EMAIL_DOMAIN).endsWith('.local'),
  },
  { service: 'cart-device', variable: 'DEVICE_KEY_PEPPER', on: (c) => c.DEVICE_KEY_PEPPER !== undefined },
];

describe.each(['compose', 'k8s/overlays/dev', 'k8s/overlays/prod'])('%s, as shipped', (name) => {
  const secrets = placeholderSecrets();
  let running: RunningConfiguration | undefined;
  const configuration = () => {
    // The operator's providers are loopback sinks here (listening once the file's beforeAll ran).
    const resolved = {
      ...secrets,
      SMTP_URL: `smtp://mailer:secret@127.0.0.1:${sinks.smtp}`,
      SMS_PROVIDER_URL: `http://127.0.0.1:${sinks.sms}/send`,
    };
    return name === 'compose' ? composeConfiguration(resolved) : kubernetesConfiguration(name, resolved);
  };

  beforeAll(async () => {
    running = new RunningConfiguration(configuration());
    await running.start();
  }, 150_000);

  afterAll(async () => {
    await running?.stop();
  }, 60_000);

  it('runs every service, each with NODE_ENV=production from the configuration itself', () => {
    const processes = running?.configuration.processes ?? [];
    expect(new Set(processes.map((p) => p.service))).toEqual(new Set(serviceNames));
    for (const process of processes) expect(process.env.NODE_ENV, process.label).toBe('production');
  });

  it.each(serviceNames)('starts %s and it reaches /ready', (service) => {
    const mine = running?.started.filter((s) => s.process.service === service) ?? [];
    expect(mine.length).toBeGreaterThan(0);
    for (const started of mine) {
      expect(started.failure, started.failure).toBeUndefined();
      expect(started.ready?.body).toEqual({ status: 'ready', checks: { postgres: 'ok' } });
    }
  });

  it.each(serviceNames)('points every *_URL %s reads at the service it means', (service) => {
    const config = running?.configuration as Configuration;
    for (const process of config.processes.filter((p) => p.service === service)) {
      for (const { variable, target } of urlVariablesOf(service)) {
        const endpoint = config.endpoints.get(target);
        expect(endpoint?.port, `${target}'s port`).toBe(services[target].port);
        const value = process.env[variable];
        expect(
          value,
          `${process.label}: ${variable} is unset, so ${service} would call ${target} at 127.0.0.1`,
        ).toBeDefined();
        const url = new URL(value ?? 'http://unset');
        expect(`${url.hostname}:${url.port}`, `${process.label}: ${variable}`).toBe(
          `${endpoint?.host}:${endpoint?.port}`,
        );
        expect(url.hostname, `${process.label}: ${variable} names ${target}`).toBe(target);
      }
    }
  });

  it('turns on every feature the services ship, in some process of each', () => {
    const started = running?.started ?? [];
    for (const gate of featureGates) {
      const on = started
        .filter((s) => s.process.service === gate.service)
        .map((s) => {
          try {
            return gate.on(loadConfig(envSchemas[gate.service], s.env) as Record<string, unknown>)
              ? 'on'
              : 'off';
          } catch (error) {
            return `not started: ${String(error)}`;
          }
        });
      expect(on, `${gate.service}: ${gate.variable}`).toContain('on');
    }
  });
});

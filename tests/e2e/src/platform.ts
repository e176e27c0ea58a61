/**
 * The whole CartWatch product for end-to-end tests, started as `pnpm start` starts it: the same launcher
 * (every schema's migrations from the built `dist/migrate.js`, the seven services as child processes from
 * `dist/main.js`, readiness polling, one SIGTERM each to stop), the same environment
 * (`localProductEnv` of @cartwatch/local-stack: schedulers, delivery worker and rendering on, secrets
 * generated into the platform's temporary directory), the same mail catcher and demo store (on free
 * ports). What differs, and only this (see `testOnly` below):
 *
 * - isolation: a database of its own (`cw_e2e_<hex>`, dropped by stop()), a JetStream stream and subject
 *   prefix of its own (deleted by stop()), free loopback ports, its own rate-limit key prefix in Redis;
 * - test-only knobs: quick delivery polls and retries and loopback webhook/push targets, rate limits
 *   out of the way (every request comes from 127.0.0.1), URL watches checked every 2 s, one more loopback
 *   origin for URL watches (`fixtureOrigin`, where a test serves its page), plain-HTTP cookies.
 *
 * Postgres, NATS and Redis come from the test global setup (`@cartwatch/testing`), which fails the run
 * when it cannot get them. Service logs go to a file (logFile); a start failure quotes its last lines.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ServiceName, serviceNames } from '@cartwatch/common-types';
import {
  DEMO_STORE_ACCOUNT,
  findFreePort,
  isRunning,
  type LocalCompanions,
  localProductEnv,
  prefixFor,
  type RoundRobinFront,
  type RunningService,
  redactUrl,
  runToCompletion,
  startLocalCompanions,
  startRoundRobinFront,
  startServiceProcess,
  stopAll,
  waitUntilReady,
} from '@cartwatch/local-stack';
import { createTestStream, type TestStream, testEnv } from '@cartwatch/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** How long a service gets to drain after its SIGTERM before it is SIGKILLed. */
const SERVICE_STOP_TIMEOUT_MS = 15_000;
const READY_TIMEOUT_MS = 90_000;
const TAIL_LINES = 80;

export interface AdminCredentials {
  email: string;
  password: string;
}

export interface PlatformOptions {
  /** Extra environment for every service (e.g. a detection threshold); wins over the harness's values. */
  env?: Record<string, string>;
  /** Where service logs go; default `<repo>/.data/test/tests-e2e/logs/<database>.log`. */
  logFile?: string;
  /**
   * A NATS server of the platform's own instead of the test run's (fault tests that restart it); its
   * stream then uses file storage, so messages survive the restart as they do in production.
   */
  natsUrl?: string;
  /** The DATABASE_URL a service connects with, from the platform's (e.g. through a TCP proxy); migrations connect directly. */
  serviceDatabaseUrl?: (service: ServiceName, databaseUrl: string) => string;
  /**
   * Processes per service (default 1). With more, each replica gets ports of its own (service and
   * management) and a round-robin front (@cartwatch/local-stack's startRoundRobinFront) listens on the
   * service's address, which every `*_URL` and the tests use (docs/architecture.md#scale-out).
   */
  replicas?: number;
  /** A front even for one replica (default: only with more), so a benchmark can tell the front's cost apart. */
  front?: boolean;
}

/** What tests need to drive a running platform; plain data, so it can cross process boundaries. */
export interface PlatformInfo {
  /** The gateway: the only address end-to-end tests talk to. */
  url: string;
  serviceUrls: Record<ServiceName, string>;
  /** Each service's management port (/health, /ready, /metrics), which the public edge never routes to; with replicas, the first replica's. */
  managementUrls: Record<ServiceName, string>;
  /** Processes per service. */
  replicas: number;
  /** Each replica's own address, bypassing the front (one entry per replica; the service's address when it runs once). */
  replicaUrls: Record<ServiceName, string[]>;
  /** Each replica's management port (its own /metrics). */
  replicaManagementUrls: Record<ServiceName, string[]>;
  admin: AdminCredentials;
  databaseName: string;
  streamName: string;
  subjectPrefix: string;
  logFile: string;
  /** orders runs the `test` payment provider; its webhook secret lets tests sign provider confirmations. */
  paymentWebhookSecret: string;
  /** The local mail catcher every e-mail and text goes to: its inbox page; `/api/messages` is what src/mailbox.ts reads. */
  mailCatcherUrl: string;
  /** The demo store (the reference retailer site, retailer slug `reference-mart`) and its account. */
  demoStore: { url: string; username: string; password: string };
  /** A loopback origin URL watches may check (URL_CHECK_ALLOWED_ORIGINS): a test serves its page there. */
  fixtureOrigin: string;
  /** INBOUND_EMAIL_SECRET of receipt-ingest: tests sign `POST /receipts/inbound-email` with it. */
  inboundEmailSecret: string;
}

/** One process of a service: its two ports. */
interface ReplicaPorts {
  port: number;
  managementPort: number;
}

export class Platform implements PlatformInfo {
  readonly url: string;
  /** The processes of each service, by replica index. */
  readonly #running = new Map<ServiceName, RunningService[]>();
  /** Services stopped on purpose (stopService, stop); any other exit is a failure stop() reports. */
  readonly #stopping = new Set<ServiceName>();
  readonly #unexpectedExits: string[] = [];
  #stopped: Promise<void> | undefined;

  private constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly ports: Record<ServiceName, number>,
    private readonly replicaPorts: Record<ServiceName, ReplicaPorts[]>,
    /** Round-robin fronts on the services' addresses (replicas > 1 only). */
    private readonly fronts: Map<ServiceName, RoundRobinFront>,
    readonly admin: AdminCredentials,
    readonly databaseName: string,
    private readonly stream: TestStream,
    private readonly log: LogFile,
    private readonly adminDatabaseUrl: string,
    private readonly tempDir: string,
    private readonly serviceDatabaseUrl: PlatformOptions['serviceDatabaseUrl'],
    private readonly companions: LocalCompanions,
    readonly fixtureOrigin: string,
  ) {
    this.url = this.serviceUrl('gateway');
  }

  get streamName(): string {
    return this.stream.streamName;
  }

  get subjectPrefix(): string {
    return this.stream.subjectPrefix;
  }

  /**
   * Events not yet applied: messages the stream's consumers have not been delivered yet or not acked, plus
   * outbox rows not yet published. 0 when every event chain has run out (a benchmark waits for that before it
   * measures, so a seed's backlog is not counted against the requests).
   */
  async pendingEvents(): Promise<number> {
    const jsm = await jetstreamManager(this.stream.nc);
    let pending = 0;
    for await (const consumer of jsm.consumers.list(this.stream.streamName)) {
      pending += consumer.num_pending + consumer.num_ack_pending;
    }
    const client = new pg.Client({ connectionString: this.env.DATABASE_URL });
    await client.connect();
    try {
      const outboxes = await client.query<{ schema: string }>(
        "select table_schema as schema from information_schema.tables where table_name = 'outbox'",
      );
      for (const { schema } of outboxes.rows) {
        const { rows } = await client.query<{ count: number }>(
          `select count(*)::int as count from ${pg.escapeIdentifier(schema)}.outbox where published_at is null`,
        );
        pending += rows[0]?.count ?? 0;
      }
    } finally {
      await client.end();
    }
    return pending;
  }

  /**
   * Waits until no event is pending (pendingEvents() is 0 twice, a second apart: a handled event may have
   * written the next one of its chain to an outbox in between); resolves with the seconds it took.
   */
  async eventsSettled(timeoutMs = 300_000): Promise<number> {
    const started = performance.now();
    let quietChecks = 0;
    while (quietChecks < 2) {
      if (performance.now() - started > timeoutMs) {
        throw new Error(`events still pending after ${timeoutMs / 1000} s`);
      }
      quietChecks = (await this.pendingEvents()) === 0 ? quietChecks + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    return Math.round((performance.now() - started) / 100) / 10;
  }

  get inboundEmailSecret(): string {
    return this.env.INBOUND_EMAIL_SECRET ?? '';
  }

  get logFile(): string {
    return this.log.file;
  }

  get paymentWebhookSecret(): string {
    return this.env.PAYMENT_TEST_WEBHOOK_SECRET ?? '';
  }

  get mailCatcherUrl(): string {
    return this.companions.mailCatcher.url;
  }

  get demoStore(): PlatformInfo['demoStore'] {
    return { url: this.companions.demoStore.url, ...DEMO_STORE_ACCOUNT };
  }

  get serviceUrls(): Record<ServiceName, string> {
    return Object.fromEntries(serviceNames.map((name) => [name, this.serviceUrl(name)])) as Record<
      ServiceName,
      string
    >;
  }

  get managementUrls(): Record<ServiceName, string> {
    return Object.fromEntries(serviceNames.map((name) => [name, this.managementUrl(name)])) as Record<
      ServiceName,
      string
    >;
  }

  get replicas(): number {
    return this.replicaPorts.gateway.length;
  }

  get replicaUrls(): Record<ServiceName, string[]> {
    return Object.fromEntries(
      serviceNames.map((name) => [
        name,
        this.replicaPorts[name].map(({ port }) => `http://127.0.0.1:${port}`),
      ]),
    ) as Record<ServiceName, string[]>;
  }

  get replicaManagementUrls(): Record<ServiceName, string[]> {
    return Object.fromEntries(
      serviceNames.map((name) => [
        name,
        this.replicaPorts[name].map(({ managementPort }) => `http://127.0.0.1:${managementPort}`),
      ]),
    ) as Record<ServiceName, string[]>;
  }

  /** Plain data for tests in other processes (vitest workers). */
  info(): PlatformInfo {
    const { url, serviceUrls, managementUrls, admin, databaseName, streamName, subjectPrefix, logFile } =
      this;
    const { replicas, replicaUrls, replicaManagementUrls } = this;
    const paymentWebhookSecret = this.paymentWebhookSecret;
    const { mailCatcherUrl, demoStore, fixtureOrigin, inboundEmailSecret } = this;
    return {
      url,
      serviceUrls,
      managementUrls,
      replicas,
      replicaUrls,
      replicaManagementUrls,
      admin,
      databaseName,
      streamName,
      subjectPrefix,
      logFile,
      paymentWebhookSecret,
      mailCatcherUrl,
      demoStore,
      fixtureOrigin,
      inboundEmailSecret,
    };
  }

  /**
   * Creates the database and stream, migrates every schema, starts the seven services (each `replicas`
   * times, behind a round-robin front) and waits until each is ready.
   */
  static async start(options: PlatformOptions = {}): Promise<Platform> {
    const infrastructure = testEnv();
    const suffix = randomBytes(5).toString('hex');
    const databaseName = `cw_e2e_${suffix}`;
    const logFile =
      options.logFile ?? path.join(repoRoot, '.data', 'test', 'tests-e2e', 'logs', `${databaseName}.log`);
    const log = await LogFile.open(logFile);
    const tempDir = await mkdtemp(path.join(os.tmpdir(), 'cartwatch-e2e-'));
    const cleanups: Array<() => Promise<unknown>> = [
      () => rm(tempDir, { recursive: true, force: true }),
      () => log.close(),
    ];
    const cleanUp = async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    };
    try {
      await createDatabase(infrastructure.databaseUrl, databaseName);
      cleanups.push(() => dropDatabase(infrastructure.databaseUrl, databaseName));
      const natsUrl = options.natsUrl ?? infrastructure.natsUrl;
      const stream = await createTestStream(
        options.natsUrl ? { natsUrl: options.natsUrl, storage: 'file' } : {},
      );
      cleanups.push(() => stream.cleanup());
      const freePorts = async () =>
        Object.fromEntries(
          await Promise.all(serviceNames.map(async (name) => [name, await findFreePort()] as const)),
        ) as Record<ServiceName, number>;
      // The companions listen first, so the free ports picked for the services cannot be theirs.
      const companions = await startLocalCompanions();
      cleanups.push(() => companions.stop());
      const replicas = options.replicas ?? 1;
      const fronted = replicas > 1 || options.front === true;
      if (!Number.isInteger(replicas) || replicas < 1)
        throw new Error(`replicas must be >= 1, not ${replicas}`);
      const ports = await freePorts();
      const replicaPorts = Object.fromEntries(
        serviceNames.map((name) => [name, [] as ReplicaPorts[]]),
      ) as Record<ServiceName, ReplicaPorts[]>;
      for (let replica = 0; replica < replicas; replica++) {
        const managementPorts = await freePorts();
        // One replica listens on the service's address itself; with more (or `front`), the front does.
        const servicePorts = fronted ? await freePorts() : ports;
        for (const name of serviceNames) {
          replicaPorts[name].push({ port: servicePorts[name], managementPort: managementPorts[name] });
        }
      }
      const fronts = new Map<ServiceName, RoundRobinFront>();
      if (fronted) {
        cleanups.push(() => Promise.all([...fronts.values()].map((front) => front.close())));
        for (const name of serviceNames) {
          fronts.set(name, await startRoundRobinFront({ port: ports[name] }));
        }
      }
      const fixtureOrigin = `http://127.0.0.1:${await findFreePort()}`;
      const product = await localProductEnv({
        dataDir: tempDir,
        serviceUrls: Object.fromEntries(
          serviceNames.map((name) => [name, `http://127.0.0.1:${ports[name]}`]),
        ) as Record<ServiceName, string>,
        mail: companions.mailCatcher,
        demoStoreUrl: companions.demoStore.url,
        allowedOrigins: [fixtureOrigin],
      });
      const isolation = {
        DATABASE_URL: withDatabase(infrastructure.databaseUrl, databaseName),
        NATS_URL: natsUrl,
        REDIS_URL: infrastructure.redisUrl,
        EVENTS_STREAM: stream.streamName,
        EVENTS_SUBJECT_PREFIX: stream.subjectPrefix,
        RATE_LIMIT_KEY_PREFIX: `cw:e2e:${suffix}`,
        HOST: '127.0.0.1',
      };
      const testOnly = {
        LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'info',
        // Plain-HTTP cookies for the tests' HTTP client.
        COOKIE_SECURE: 'false',
        // Webhooks and push endpoints may be the tests' loopback receivers (never in a shipped
        // configuration; production refuses it). Quick polls and retries, so deliveries are awaited briefly.
        DELIVERY_ALLOW_LOOPBACK_TARGETS: 'true',
        DELIVERY_POLL_INTERVAL_MS: '200',
        DELIVERY_RETRY_BASE_MS: '500',
        DELIVERY_RETRY_MAX_MS: '2000',
        // Every request comes from 127.0.0.1; the limits have their own tests in the gateway.
        RATE_LIMIT_IP_PER_MINUTE: '100000',
        RATE_LIMIT_USER_PER_MINUTE: '100000',
        AUTH_IP_PER_15_MINUTES: '10000',
        AUTH_REGISTER_PER_HOUR: '10000',
        // URL watches checked again 2 s after a scheduled check (5 minutes in `pnpm start`).
        WATCH_CHECK_INTERVAL_SECONDS: '2',
      };
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? os.homedir(),
        ...product.env,
        ...isolation,
        ...testOnly,
        ...options.env,
      };
      const admin = product.admin;
      const platform = new Platform(
        env,
        ports,
        replicaPorts,
        fronts,
        admin,
        databaseName,
        stream,
        log,
        infrastructure.databaseUrl,
        tempDir,
        options.serviceDatabaseUrl,
        companions,
        fixtureOrigin,
      );
      log.write(
        `platform ${databaseName}: postgres ${redactUrl(env.DATABASE_URL ?? '')}, nats ${natsUrl} stream ${stream.streamName}`,
      );
      try {
        await platform.#migrate();
        await Promise.all(serviceNames.map((name) => platform.startService(name)));
      } catch (error) {
        await platform.stop().catch(() => {});
        throw error;
      }
      return platform;
    } catch (error) {
      await cleanUp();
      throw error;
    }
  }

  serviceUrl(name: ServiceName): string {
    return `http://127.0.0.1:${this.ports[name]}`;
  }

  /** The first replica's management URL (the only one when the service runs once). */
  managementUrl(name: ServiceName): string {
    return `http://127.0.0.1:${this.replicaPorts[name][0]?.managementPort}`;
  }

  /** True while any replica of the service runs. */
  isRunning(name: ServiceName): boolean {
    return (this.#running.get(name) ?? []).some((service) => isRunning(service.child));
  }

  /**
   * Starts a service (again) on its ports and waits until its /ready (management port) answers 200. With
   * replicas, the first one starts alone (the gateway generates its signing keys into a file the others
   * then read, and bootstraps the admin), then the others; each joins the front once ready.
   */
  async startService(name: ServiceName): Promise<void> {
    if (this.isRunning(name)) throw new Error(`${name} is already running`);
    this.#stopping.delete(name);
    const started: RunningService[] = [];
    this.#running.set(name, started);
    const [first, ...others] = this.replicaPorts[name].map((_, replica) => replica);
    await this.#startReplica(name, first ?? 0, started);
    await Promise.all(others.map((replica) => this.#startReplica(name, replica, started)));
  }

  async #startReplica(name: ServiceName, replica: number, started: RunningService[]): Promise<void> {
    const ports = this.replicaPorts[name][replica] as ReplicaPorts;
    const databaseUrl = this.env.DATABASE_URL ?? '';
    const label = this.replicas > 1 ? `${name}#${replica + 1}` : name;
    const service = startServiceProcess(name, serviceNames.indexOf(name), {
      repoRoot,
      env: { ...this.env, DATABASE_URL: this.serviceDatabaseUrl?.(name, databaseUrl) ?? databaseUrl },
      port: ports.port,
      managementPort: ports.managementPort,
      output: this.log.write,
      ...(this.replicas > 1 && { replica }),
    });
    started[replica] = service;
    void service.exited.then((code) => {
      if (!this.#stopping.has(name)) {
        this.#unexpectedExits.push(`${label} exited with code ${code}`);
        this.log.write(`${label} exited unexpectedly with code ${code}`);
      }
    });
    const ready = await waitUntilReady(
      `http://127.0.0.1:${ports.managementPort}`,
      READY_TIMEOUT_MS,
      () => !isRunning(service.child),
    );
    if (!ready) {
      throw new Error(
        `${label} did not become ready within ${READY_TIMEOUT_MS / 1000} s (${isRunning(service.child) ? 'still running' : `exited with code ${service.child.exitCode}`}); last log lines:\n${this.log.tail()}`,
      );
    }
    this.fronts.get(name)?.add(`http://127.0.0.1:${ports.port}`);
  }

  /** Takes the service's replicas out of its front, so no new request reaches them. */
  #leaveFront(name: ServiceName): void {
    const front = this.fronts.get(name);
    for (const { port } of this.replicaPorts[name]) front?.remove(`http://127.0.0.1:${port}`);
  }

  #replicasOf(name: ServiceName): RunningService[] {
    const running = this.#running.get(name);
    if (!running) throw new Error(`${name} was never started`);
    return running;
  }

  /**
   * One SIGTERM to each replica (they drain), SIGKILL after the stop timeout; resolves with the exit code
   * (the first non-zero one of the replicas).
   */
  async stopService(name: ServiceName): Promise<number> {
    const running = this.#replicasOf(name);
    this.#stopping.add(name);
    this.#leaveFront(name);
    await stopAll(running, SERVICE_STOP_TIMEOUT_MS);
    const codes = await Promise.all(running.map((service) => service.exited));
    return codes.find((code) => code !== 0) ?? 0;
  }

  /** SIGKILL of every replica, no draining (a crash); resolves once the processes are gone. */
  async killService(name: ServiceName): Promise<void> {
    const running = this.#replicasOf(name);
    this.#stopping.add(name);
    this.#leaveFront(name);
    for (const service of running) service.child.kill('SIGKILL');
    await Promise.all(running.map((service) => service.exited));
  }

  /** The process id of a running service (its first replica; e.g. to read its resident memory); undefined when it is not running. */
  pid(name: ServiceName): number | undefined {
    return this.pids(name)[0];
  }

  /** The process ids of the service's running replicas, by replica. */
  pids(name: ServiceName): number[] {
    return (this.#running.get(name) ?? []).flatMap((service) =>
      isRunning(service.child) && service.child.pid !== undefined ? [service.child.pid] : [],
    );
  }

  /**
   * Stops every service, then drops the database and deletes the stream. Throws (after cleaning up) when
   * a service had exited on its own or did not stop cleanly, so a crash never passes unnoticed.
   */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      const problems: string[] = [];
      const running = [...this.#running.values()].flat();
      for (const { name } of running) this.#stopping.add(name);
      try {
        await stopAll(running, SERVICE_STOP_TIMEOUT_MS);
        for (const service of running) {
          const code = await service.exited;
          const label = this.replicas > 1 ? `${service.name}#${service.replica + 1}` : service.name;
          if (code !== 0) problems.push(`${label} stopped with exit code ${code}`);
        }
      } catch (error) {
        problems.push(`stopping services failed: ${String(error)}`);
      }
      for (const [what, cleanup] of [
        [
          'closing the round-robin fronts',
          () => Promise.all([...this.fronts.values()].map((front) => front.close())),
        ],
        ['dropping the database', () => dropDatabase(this.adminDatabaseUrl, this.databaseName)],
        ['deleting the stream', () => this.stream.cleanup()],
        ['stopping the mail catcher and demo store', () => this.companions.stop()],
        ['removing the temporary directory', () => rm(this.tempDir, { recursive: true, force: true })],
      ] as const) {
        try {
          await cleanup();
        } catch (error) {
          problems.push(`${what} failed: ${String(error)}`);
        }
      }
      problems.unshift(...this.#unexpectedExits);
      const tail = this.log.tail();
      await this.log.close();
      if (problems.length > 0) {
        throw new Error(
          `the platform did not run cleanly:\n- ${problems.join('\n- ')}\nlast log lines (${this.log.file}):\n${tail}`,
        );
      }
    })();
    return this.#stopped;
  }

  /** Every schema to latest, one service after the other, as `pnpm start` does. */
  async #migrate(): Promise<void> {
    for (const [index, name] of serviceNames.entries()) {
      const code = await runToCompletion(process.execPath, ['dist/migrate.js', 'latest'], {
        env: this.env,
        cwd: path.join(repoRoot, 'services', name),
        prefix: prefixFor(name, index),
        output: this.log.write,
      });
      if (code !== 0) {
        throw new Error(`migrations of ${name} failed (exit ${code}); last log lines:\n${this.log.tail()}`);
      }
    }
  }
}

/** The service logs: appended to a file, the last lines kept for error messages. */
class LogFile {
  readonly #lines: string[] = [];

  private constructor(
    readonly file: string,
    private readonly stream: WriteStream,
  ) {}

  static async open(file: string): Promise<LogFile> {
    await mkdir(path.dirname(file), { recursive: true });
    return new LogFile(file, createWriteStream(file, { flags: 'a' }));
  }

  readonly write = (line: string): void => {
    this.#lines.push(line);
    if (this.#lines.length > TAIL_LINES) this.#lines.shift();
    if (!this.stream.writableEnded) this.stream.write(`${line}\n`);
  };

  tail(): string {
    return this.#lines.join('\n');
  }

  close(): Promise<void> {
    if (this.stream.writableEnded) return Promise.resolve();
    return new Promise((resolve) => this.stream.end(resolve));
  }
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function onServer<T>(serverUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, application_name: 'cartwatch-e2e' });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function createDatabase(serverUrl: string, database: string): Promise<void> {
  await onServer(serverUrl, (client) => client.query(`create database ${pg.escapeIdentifier(database)}`));
}

/** `with (force)` ends connections a killed service may have left behind. */
async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  await onServer(serverUrl, (client) =>
    client.query(`drop database if exists ${pg.escapeIdentifier(database)} with (force)`),
  );
}

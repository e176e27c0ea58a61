/**
 * Resolution of the servers a test run uses (docs/architecture.md#testing): the URL from the environment when set
 * (it must answer), else the standard local server when it answers, else one started here: embedded
 * Postgres and nats-server with data under `.data/test/<package>/`, a throwaway redis-server. Never skips:
 * when no real server can be had, it throws with what it tried.
 */
import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import {
  DataDirInUseError,
  isNatsReachable,
  isPostgresReachable,
  isRedisReachable,
  type RunningServer,
  redactUrl,
  startEmbeddedPostgres,
  startNatsServer,
  startRedisServer,
} from '@cartwatch/local-stack';
import type { TestEnv } from './test-env.js';

export const DEFAULT_TEST_ENV: TestEnv = {
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  natsUrl: 'nats://127.0.0.1:4222',
  redisUrl: 'redis://127.0.0.1:6379',
};

export interface ResolveTestInfrastructureOptions {
  /** Read for DATABASE_URL, NATS_URL, REDIS_URL; empty strings count as unset. */
  env: Record<string, string | undefined>;
  /** Where started servers keep their data (`postgres/`, `nats/`), e.g. `<repo>/.data/test/<package>`. */
  dataDir: string;
  /** The standard local servers tried before starting any; default DEFAULT_TEST_ENV. */
  defaults?: Partial<TestEnv>;
  log?: (line: string) => void;
}

export interface TestInfrastructure extends TestEnv {
  started: Array<'postgres' | 'nats' | 'redis'>;
  /** Stops what was started here and removes private fallback directories. */
  stop(): Promise<void>;
}

type Resolved = { url: string; server?: RunningServer; privateDir?: string };

export async function resolveTestInfrastructure(
  options: ResolveTestInfrastructureOptions,
): Promise<TestInfrastructure> {
  const defaults = { ...DEFAULT_TEST_ENV, ...options.defaults };
  const log = options.log ?? (() => {});
  const env = (name: string) => {
    const value = options.env[name]?.trim();
    return value ? value : undefined;
  };

  const postgres = resolveOne({
    what: 'Postgres',
    variable: 'DATABASE_URL',
    explicit: env('DATABASE_URL'),
    fallback: defaults.databaseUrl,
    isUsable: (url) => isPostgresReachable(url, { timeoutMs: 3_000 }),
    start: () =>
      inOwnDir(options.dataDir, 'postgres', (dir) => startEmbeddedPostgres({ dataDir: dir, durable: false })),
    starting: 'an embedded Postgres',
    log,
  });
  const nats = resolveOne({
    what: 'NATS with JetStream',
    variable: 'NATS_URL',
    explicit: env('NATS_URL'),
    fallback: defaults.natsUrl,
    isUsable: (url) => isNatsReachable(url, { jetstream: true, timeoutMs: 3_000 }),
    start: () => inOwnDir(options.dataDir, 'nats', (dir) => startNatsServer({ storeDir: dir })),
    starting: 'nats-server',
    log,
  });
  const redis = resolveOne({
    what: 'Redis',
    variable: 'REDIS_URL',
    explicit: env('REDIS_URL'),
    fallback: defaults.redisUrl,
    isUsable: (url) => isRedisReachable(url, { timeoutMs: 3_000 }),
    start: async () => ({ server: await startRedisServer() }),
    starting: 'a throwaway redis-server',
    log,
  });
  const results = await Promise.allSettled([postgres, nats, redis]);

  const names = ['postgres', 'nats', 'redis'] as const;
  const started = results.flatMap((result, index) =>
    result.status === 'fulfilled' && result.value.server ? [{ name: names[index], ...result.value }] : [],
  );
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const failures: unknown[] = [];
      for (const { server, privateDir } of [...started].reverse()) {
        try {
          await server?.stop();
          if (privateDir) await rm(privateDir, { recursive: true, force: true });
        } catch (error) {
          failures.push(error);
        }
      }
      for (const { privateDir } of started)
        if (privateDir) await rmdir(path.dirname(privateDir)).catch(() => {});
      if (failures.length > 0) throw new AggregateError(failures, 'stopping the test servers failed');
    })();
    return stopping;
  };

  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
  if (failures.length > 0) {
    await stop().catch(() => {});
    const message = failures.map((failure) => (failure instanceof Error ? failure.message : String(failure)));
    throw new Error(`the CartWatch tests need real servers:\n- ${message.join('\n- ')}`);
  }
  const [databaseUrl, natsUrl, redisUrl] = results.map((result) =>
    result.status === 'fulfilled' ? result.value.url : '',
  ) as [string, string, string];
  return {
    databaseUrl,
    natsUrl,
    redisUrl,
    started: started.flatMap(({ name }) => (name ? [name] : [])),
    stop,
  };
}

async function resolveOne(spec: {
  what: string;
  variable: string;
  explicit: string | undefined;
  fallback: string;
  isUsable(url: string): Promise<boolean>;
  start(): Promise<{ server: RunningServer; privateDir?: string }>;
  starting: string;
  log(line: string): void;
}): Promise<Resolved> {
  if (spec.explicit !== undefined) {
    if (await spec.isUsable(spec.explicit)) return { url: spec.explicit };
    throw new Error(
      `${spec.variable} is set to ${redactUrl(spec.explicit)}, but no ${spec.what} answers there; start it or unset ${spec.variable}`,
    );
  }
  if (await spec.isUsable(spec.fallback)) return { url: spec.fallback };
  try {
    const started = await spec.start();
    spec.log(
      `${spec.what}: nothing at ${redactUrl(spec.fallback)} and ${spec.variable} is unset; started ${spec.starting} at ${redactUrl(started.server.url)}`,
    );
    return { url: started.server.url, ...started };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${spec.what}: ${spec.variable} is unset, nothing answers at ${redactUrl(spec.fallback)}, and starting ${spec.starting} failed: ${reason}`,
    );
  }
}

/**
 * Starts a server in `<dataDir>/<name>`; when another test run (e.g. a second vitest of the same
 * package) uses that directory, in a private `<dataDir>-<pid>/<name>` that is removed afterwards.
 */
async function inOwnDir(
  dataDir: string,
  name: string,
  start: (dir: string) => Promise<RunningServer>,
): Promise<{ server: RunningServer; privateDir?: string }> {
  try {
    return { server: await start(path.join(dataDir, name)) };
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error;
    const privateDir = path.join(`${dataDir}-${process.pid}`, name);
    return { server: await start(privateDir), privateDir };
  }
}

/**
 * What `pnpm start` runs against: the servers named by DATABASE_URL / NATS_URL / REDIS_URL when set,
 * otherwise embedded Postgres and nats-server started here with their data under `dataDir`.
 */
import path from 'node:path';
import { type RunningServer, startEmbeddedPostgres } from './embedded-postgres.js';
import { startNatsServer } from './nats-server.js';
import { isNatsReachable, isPostgresReachable } from './probes.js';

export interface ResolveInfrastructureOptions {
  /** Root of the local data, e.g. `<repo>/.data`; Postgres goes to `postgres/`, NATS to `nats/`. */
  dataDir: string;
  /** Usually process.env. Empty strings count as unset. */
  env: Record<string, string | undefined>;
  /** Progress lines ("starting embedded Postgres in …"). Default: silent. */
  log?: (line: string) => void;
  /** Which servers are needed; `{ nats: false }` skips NATS entirely (e.g. `pnpm migrate`). Default: both. */
  needs?: { postgres?: boolean; nats?: boolean };
}

export interface Infrastructure {
  /** '' only when `needs.postgres` was false. */
  databaseUrl: string;
  /** '' only when `needs.nats` was false. */
  natsUrl: string;
  /** Only when REDIS_URL is set; services then use in-memory rate limits. */
  redisUrl?: string;
  /** What was started here (empty when everything came from the environment). */
  started: Array<'postgres' | 'nats'>;
  /** Stops what was started here (NATS first, then Postgres); leaves external servers alone. */
  stop(): Promise<void>;
}

export async function resolveInfrastructure(options: ResolveInfrastructureOptions): Promise<Infrastructure> {
  const dataDir = path.resolve(options.dataDir);
  const env = (name: string) => nonEmpty(options.env[name]);
  const log = options.log ?? (() => {});
  const databaseUrl = env('DATABASE_URL');
  const natsUrl = env('NATS_URL');

  const resolvePostgres = async (): Promise<string | RunningServer> => {
    if (options.needs?.postgres === false) return '';
    if (databaseUrl !== undefined) {
      log(`Postgres: using DATABASE_URL ${redactUrl(databaseUrl)}`);
      return requireReachable(
        'DATABASE_URL',
        databaseUrl,
        isPostgresReachable(databaseUrl, { timeoutMs: 3_000 }),
      );
    }
    const postgresDir = path.join(dataDir, 'postgres');
    log(`Postgres: DATABASE_URL is unset, starting embedded Postgres in ${postgresDir}`);
    const server = await startEmbeddedPostgres({ dataDir: postgresDir });
    log(`Postgres: listening on 127.0.0.1:${server.port}`);
    return server;
  };
  const resolveNats = async (): Promise<string | RunningServer> => {
    if (options.needs?.nats === false) return '';
    if (natsUrl !== undefined) {
      log(`NATS: using NATS_URL ${redactUrl(natsUrl)}`);
      const jetstream = isNatsReachable(natsUrl, { jetstream: true, timeoutMs: 3_000 });
      return requireReachable('NATS_URL', natsUrl, jetstream);
    }
    const storeDir = path.join(dataDir, 'nats');
    log(`NATS: NATS_URL is unset, starting nats-server with JetStream in ${storeDir}`);
    const server = await startNatsServer({ storeDir });
    log(`NATS: listening on 127.0.0.1:${server.port}`);
    return server;
  };

  const [postgres, nats] = await Promise.allSettled([resolvePostgres(), resolveNats()]);

  const startedServers: Array<[name: 'postgres' | 'nats', server: RunningServer]> = [];
  if (nats.status === 'fulfilled' && typeof nats.value !== 'string')
    startedServers.push(['nats', nats.value]);
  if (postgres.status === 'fulfilled' && typeof postgres.value !== 'string') {
    startedServers.push(['postgres', postgres.value]);
  }
  const stop = async () => {
    for (const [, server] of startedServers) await server.stop();
  };

  if (postgres.status === 'rejected' || nats.status === 'rejected') {
    await stop().catch(() => {});
    const failures = [postgres, nats].flatMap((result) =>
      result.status === 'rejected' ? [result.reason] : [],
    );
    throw failures.length === 1
      ? failures[0]
      : new AggregateError(failures, failures.map((failure) => String(failure)).join('\n'));
  }

  const redisUrl = env('REDIS_URL');
  return {
    databaseUrl: typeof postgres.value === 'string' ? postgres.value : postgres.value.url,
    natsUrl: typeof nats.value === 'string' ? nats.value : nats.value.url,
    ...(redisUrl !== undefined ? { redisUrl } : {}),
    started: startedServers.map(([name]) => name),
    stop,
  };
}

async function requireReachable(variable: string, url: string, reachable: Promise<boolean>): Promise<string> {
  if (!(await reachable)) {
    const what = variable === 'NATS_URL' ? 'NATS with JetStream' : 'Postgres';
    throw new Error(`${variable} is set, but no ${what} answers at ${redactUrl(url)}`);
  }
  return url;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:\/\/([^:@/]*):[^@/]*@/, '://$1:***@');
  }
}

/**
 * Gateway overhead: the same route measured directly at the upstream and through the gateway with a
 * valid JWT, in one run: maximum throughput (50 connections) with autocannon and, as a cross-check, with
 * wrk; and p99 latency at a fixed 500 req/s (autocannon). The upstream is a minimal keep-alive JSON
 * server in its own process (upstream.ts), so both targets are separate processes from the load
 * generator and the figures show what the gateway adds. The gateway runs as in production
 * (`services/gateway/dist/main.js`, NODE_ENV=production, rate limits in Redis) against its schema
 * migrated into a throw-away bench schema, dropped afterwards.
 *
 * Run: pnpm build && pnpm exec tsx bench/gateway/run.ts
 * Env: BENCH_DURATION_S (10) per measurement, BENCH_WARMUP_S (2), BENCH_CONNECTIONS (50),
 * BENCH_FIXED_RATE (500), GATEWAY_LOG_LEVEL (info, the production default), DATABASE_URL, NATS_URL,
 * REDIS_URL (set it empty to run the limits in memory).
 */
import { type ChildProcess, execFile, fork, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { createDatabase, migrateSchema, sql } from './deps.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Bench settings from the environment (not turbo task inputs: the bench runs outside turbo). */
const setting = (name: string, fallback: string): string => process.env[name] ?? fallback;
const DURATION_S = Number(setting('BENCH_DURATION_S', '10'));
const WARMUP_S = Number(setting('BENCH_WARMUP_S', '2'));
const CONNECTIONS = Number(setting('BENCH_CONNECTIONS', '50'));
const FIXED_RATE = Number(setting('BENCH_FIXED_RATE', '500'));
const LOG_LEVEL = setting('GATEWAY_LOG_LEVEL', 'info');
const databaseUrl = setting('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/postgres');
const redisUrl = setting('REDIS_URL', 'redis://127.0.0.1:6379');
const schema = `bench_gateway_${randomBytes(4).toString('hex')}`;
/** The two tools agree when their throughput figures for a target differ by at most this share. */
const AGREEMENT_TOLERANCE = 0.25;
const execFileAsync = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/ready`);
      if (response.ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('gateway never became ready');
}

function startUpstream(): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(fileURLToPath(new URL('./upstream.ts', import.meta.url)), [], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`upstream exited with ${code}`)));
    child.once('message', (message) => {
      resolve({ child, url: `http://127.0.0.1:${(message as { port: number }).port}` });
    });
  });
}

async function stopChild(child: ChildProcess, stop: () => void): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  stop();
  await exited;
}

function autocannonRun(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

const autocannonSummary = (result: autocannon.Result) => ({
  requestsPerSecond: Math.round(result.requests.average),
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  non2xx: result.non2xx,
  errors: result.errors,
});

interface WrkSummary {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  socketErrors: number;
}

function wrkMs(value: string, unit: string): number {
  const factor = unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1;
  return Number((Number(value) * factor).toFixed(3));
}

/** wrk with one thread (autocannon is one thread too) and the same connections and duration. */
async function wrkRun(url: string, authorization: string): Promise<WrkSummary> {
  const { stdout } = await execFileAsync(
    'wrk',
    [
      '-t1',
      `-c${CONNECTIONS}`,
      `-d${DURATION_S}s`,
      '--latency',
      '-H',
      `Authorization: ${authorization}`,
      url,
    ],
    { timeout: (DURATION_S + 30) * 1000 },
  );
  const percentile = (p: string) => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)$`, 'm').exec(stdout);
    if (!match?.[1] || !match[2]) throw new Error(`no ${p}% latency in wrk output:\n${stdout}`);
    return wrkMs(match[1], match[2]);
  };
  const rate = /^Requests\/sec:\s+([\d.]+)/m.exec(stdout)?.[1];
  if (!rate) throw new Error(`no Requests/sec in wrk output:\n${stdout}`);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return {
    requestsPerSecond: Math.round(Number(rate)),
    p50Ms: percentile('50'),
    p99Ms: percentile('99'),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0),
    socketErrors: socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

function accessToken(privateKey: ReturnType<typeof generateKeyPairSync>['privateKey']): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode({ alg: 'EdDSA', kid: 'bench', typ: 'JWT' })}.${encode({
    iss: 'cartwatch-gateway',
    aud: 'cartwatch',
    sub: randomUUID(),
    role: 'user',
    sid: randomUUID(),
    iat: now,
    exp: now + 900,
  })}`;
  return `${signingInput}.${sign(null, Buffer.from(signingInput), privateKey).toString('base64url')}`;
}

const share = (gateway: number, direct: number) => Number((gateway / direct).toFixed(3));
const relativeDifference = (a: number, b: number) => Number((Math.abs(a - b) / Math.max(a, b)).toFixed(3));

async function main() {
  const database = createDatabase<unknown>({ connectionString: databaseUrl, schema, max: 1 });
  await migrateSchema(database, {
    migrationsFolder: `${repoRoot}services/gateway/dist/db/migrations`,
    direction: 'latest',
  });
  const upstream = await startUpstream();
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench' };
  const port = await freePort();
  const gatewayUrl = `http://127.0.0.1:${port}`;
  const gateway = spawn(process.execPath, ['services/gateway/dist/main.js'], {
    cwd: repoRoot,
    env: {
      PATH: setting('PATH', ''),
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL,
      SERVICE_KEY: 'bench-service-key-000000000000000000000000',
      DATABASE_URL: databaseUrl,
      DB_SCHEMA: schema,
      NATS_URL: setting('NATS_URL', 'nats://127.0.0.1:4222'),
      ...(redisUrl !== '' && { REDIS_URL: redisUrl }),
      RATE_LIMIT_KEY_PREFIX: schema,
      JWT_SIGNING_KEYS: JSON.stringify([jwk]),
      RATE_LIMIT_USER_PER_MINUTE: '100000000',
      RATE_LIMIT_IP_PER_MINUTE: '100000000',
      ORDERS_URL: upstream.url,
      // e.g. GATEWAY_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the gateway during the run.
      NODE_OPTIONS: setting('GATEWAY_NODE_OPTIONS', ''),
    },
    // The request log goes where a container's stdout goes: a pipe, drained here and dropped.
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  gateway.stdout?.resume();
  try {
    await waitReady(gatewayUrl, gateway);
    const authorization = `Bearer ${accessToken(privateKey)}`;
    const headers = { authorization };
    const path = '/orders';
    const directUrl = `${upstream.url}${path}`;
    const throughGatewayUrl = `${gatewayUrl}${path}`;
    // Warm up both paths (keep-alive sockets, JIT, token cache).
    await autocannonRun({ url: directUrl, connections: 10, duration: WARMUP_S, headers });
    await autocannonRun({ url: throughGatewayUrl, connections: 10, duration: WARMUP_S, headers });

    const load1 = os.loadavg()[0] ?? 0;
    const max = { connections: CONNECTIONS, duration: DURATION_S, headers };
    const directMax = await autocannonRun({ url: directUrl, ...max });
    const gatewayMax = await autocannonRun({ url: throughGatewayUrl, ...max });
    const directWrk = await wrkRun(directUrl, authorization);
    const gatewayWrk = await wrkRun(throughGatewayUrl, authorization);
    const fixed = { connections: 20, overallRate: FIXED_RATE, duration: DURATION_S, headers };
    const directFixed = await autocannonRun({ url: directUrl, ...fixed });
    const gatewayFixed = await autocannonRun({ url: throughGatewayUrl, ...fixed });
    const load1After = os.loadavg()[0] ?? 0;

    const autocannonShare = share(gatewayMax.requests.average, directMax.requests.average);
    const wrkShare = share(gatewayWrk.requestsPerSecond, directWrk.requestsPerSecond);
    const difference = {
      direct: relativeDifference(directMax.requests.average, directWrk.requestsPerSecond),
      gateway: relativeDifference(gatewayMax.requests.average, gatewayWrk.requestsPerSecond),
      share: relativeDifference(autocannonShare, wrkShare),
    };
    const result = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      loadAverage1m: { before: load1, after: load1After },
      route: `GET ${path} (gateway: JWT verified + per-user limit in Redis + header hygiene + proxy)`,
      gateway: { logLevel: LOG_LEVEL, rateLimits: redisUrl === '' ? 'memory' : 'redis' },
      durationSeconds: DURATION_S,
      connections: CONNECTIONS,
      maxThroughput: {
        autocannon: { direct: autocannonSummary(directMax), gateway: autocannonSummary(gatewayMax) },
        wrk: { direct: directWrk, gateway: gatewayWrk },
      },
      fixedRate: {
        requestsPerSecond: FIXED_RATE,
        direct: autocannonSummary(directFixed),
        gateway: autocannonSummary(gatewayFixed),
      },
      gatewayShareOfDirect: { autocannon: autocannonShare, wrk: wrkShare },
      addedP99Ms: Number((gatewayFixed.latency.p99 - directFixed.latency.p99).toFixed(2)),
      crossCheck: {
        relativeDifference: difference,
        tolerance: AGREEMENT_TOLERANCE,
        agree: Object.values(difference).every((value) => value <= AGREEMENT_TOLERANCE),
      },
      targets: { gatewayShareOfDirect: '>= 0.5', addedP99Ms: '<= 5' },
    };
    console.log(JSON.stringify(result, null, 2));
    writeFileSync(`${repoRoot}bench/results/gateway.json`, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await stopChild(gateway, () => gateway.kill('SIGTERM'));
    await stopChild(upstream.child, () => upstream.child.send('stop'));
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
    await database.close();
  }
}

await main();

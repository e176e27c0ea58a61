/**
 * Gateway overhead: the same route measured directly at the upstream and through the gateway with a
 * valid JWT, in one run: maximum throughput (50 connections) with autocannon and, as a cross-check, with
 * wrk; and p99 latency at a fixed 500 req/s (autocannon). The upstream is a minimal keep-alive JSON
 * server in its own process (upstream.ts), so both targets are separate processes from the load
 * generator and the figures show what the gateway adds. The gateway runs as in production
 * (`services/gateway/dist/main.js`, NODE_ENV=production, rate limits in Redis) against its schema
 * migrated into a throw-away bench schema, dropped afterwards. For reference it also measures a bare
 * node proxy (bare-proxy.ts: the floor of any node proxy), and the CPU time each server process spends
 * per request, which a busy machine distorts far less than requests per second.
 *
 * Run: pnpm build && pnpm exec tsx bench/gateway/run.ts
 * Env: BENCH_DURATION_S (10) per measurement, BENCH_WARMUP_S (2), BENCH_CONNECTIONS (50),
 * BENCH_FIXED_RATE (500), GATEWAY_LOG_LEVEL (info, the production default), DATABASE_URL, NATS_URL,
 * REDIS_URL (set it empty to run the limits in memory), GATEWAY_NODE_OPTIONS (e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof` to profile the gateway during the run).
 */
import { type ChildProcess, execFile, fork, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
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

/** Forks a helper server of this folder; resolves once it reported its port. */
function startServer(file: string, args: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(fileURLToPath(new URL(file, import.meta.url)), args, { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
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

/** CPU time (user + system) of a process so far, in microseconds; undefined off Linux. */
function cpuMicros(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * (1e6 / 100); // clock ticks of 10 ms
  } catch {
    return undefined;
  }
}

/** Runs `measure` and reports the CPU each of `processes` spent per request meanwhile. */
async function withCpuPerRequest<T extends { requests: number }>(
  processes: Record<string, ChildProcess>,
  measure: () => Promise<T>,
): Promise<{ result: T; cpuMicrosPerRequest: Record<string, number | null> }> {
  const before = Object.fromEntries(
    Object.entries(processes).map(([name, child]) => [name, cpuMicros(child.pid)]),
  );
  const result = await measure();
  const cpuMicrosPerRequest = Object.fromEntries(
    Object.entries(processes).map(([name, child]) => {
      const start = before[name];
      const end = cpuMicros(child.pid);
      return [
        name,
        start === undefined || end === undefined ? null : Math.round((end - start) / result.requests),
      ];
    }),
  );
  return { result, cpuMicrosPerRequest };
}

async function autocannonMax(
  url: string,
  headers: Record<string, string>,
  processes: Record<string, ChildProcess>,
) {
  const { result, cpuMicrosPerRequest } = await withCpuPerRequest(processes, async () => {
    const run = await autocannonRun({ url, connections: CONNECTIONS, duration: DURATION_S, headers });
    return { run, requests: run.requests.total };
  });
  return { ...autocannonSummary(result.run), cpuMicrosPerRequest, average: result.run.requests.average };
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

interface Figures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest?: Record<string, number | null>;
}

interface GatewayBenchResult {
  date: string;
  machine: { cpus: number; model: string | undefined; node: string };
  loadAverage1m: { before: number; after: number };
  route: string;
  gateway: { logLevel: string; rateLimits: string };
  durationSeconds: number;
  connections: number;
  maxThroughput: {
    autocannon: { direct: Figures; gateway: Figures; bareNodeProxy: Figures };
    wrk: { direct: Figures; gateway: Figures };
  };
  fixedRate: { requestsPerSecond: number; direct: Figures; gateway: Figures };
  gatewayShareOfDirect: { autocannon: number; wrk: number };
  bareNodeProxyShareOfDirect: number;
  addedP99Ms: number;
  crossCheck: { relativeDifference: Record<string, number>; tolerance: number; agree: boolean };
  met: { gatewayShareOfDirect: boolean; addedP99Ms: boolean };
}

const rate = (figures: Figures) => `${figures.requestsPerSecond.toLocaleString('en-US')} r/s`;
const percent = (value: number) => `${(value * 100).toFixed(1)} %`;
const cpu = (figures: Figures, name: string) => {
  const value = figures.cpuMicrosPerRequest?.[name];
  return value === null || value === undefined ? '-' : `${value} µs`;
};

function markdown(r: GatewayBenchResult): string {
  const ac = r.maxThroughput.autocannon;
  const wrk = r.maxThroughput.wrk;
  const verdict = (met: boolean) => (met ? 'met' : '**not met**');
  return `# bench/gateway — last result

Written by \`pnpm build && pnpm exec tsx bench/gateway/run.ts\` (${r.date}); raw figures in
[gateway.json](gateway.json). ${r.durationSeconds} s per measurement after a warm-up; ${r.connections}
connections for maximum throughput. Route: \`GET /orders\` with a valid EdDSA access token through the
gateway process (NODE_ENV=production, LOG_LEVEL=${r.gateway.logLevel}, rate limits in ${r.gateway.rateLimits})
to a minimal keep-alive JSON upstream in its own process, and the same request straight to that upstream.

Machine: ${r.machine.cpus} vCPUs (${r.machine.model}), Node ${r.machine.node}. **1-minute load average
${r.loadAverage1m.before} before and ${r.loadAverage1m.after} after the run** (load from other work on the
machine; with ${r.machine.cpus} CPUs, anything above ${r.machine.cpus} means the processes measured here waited
for a CPU).

| measurement                                | direct            | through gateway    | target                    |
| ------------------------------------------ | ----------------- | ------------------ | ------------------------- |
| max throughput, autocannon                 | ${rate(ac.direct)} | ${rate(ac.gateway)} (${percent(r.gatewayShareOfDirect.autocannon)}) | gateway >= 50 % of direct |
| max throughput, wrk (cross-check)          | ${rate(wrk.direct)} | ${rate(wrk.gateway)} (${percent(r.gatewayShareOfDirect.wrk)}) |                           |
| p50 / p99 at max throughput (autocannon)   | ${ac.direct.p50Ms} / ${ac.direct.p99Ms} ms | ${ac.gateway.p50Ms} / ${ac.gateway.p99Ms} ms |                           |
| p50 / p99 at a fixed ${r.fixedRate.requestsPerSecond} req/s (autocannon) | ${r.fixedRate.direct.p50Ms} / ${r.fixedRate.direct.p99Ms} ms | ${r.fixedRate.gateway.p50Ms} / ${r.fixedRate.gateway.p99Ms} ms | at most +5 ms p99         |
| CPU per request, server processes          | upstream ${cpu(ac.direct, 'upstream')} | gateway ${cpu(ac.gateway, 'gateway')} + upstream ${cpu(ac.gateway, 'upstream')} |                           |

Reference, same run: a bare node proxy (node:http in and out through a keep-alive agent, nothing else;
\`bare-proxy.ts\`) reached ${rate(ac.bareNodeProxy)} (${percent(r.bareNodeProxyShareOfDirect)} of direct) at
${cpu(ac.bareNodeProxy, 'bareProxy')} of CPU per request: the floor of any node proxy on this machine.

Targets: throughput share ${verdict(r.met.gatewayShareOfDirect)}; added p99 at ${r.fixedRate.requestsPerSecond} req/s
${r.addedP99Ms} ms, ${verdict(r.met.addedP99Ms)}. What the gateway does per request, the profile behind it and
what stands between these figures and the targets: [docs/gateway.md](../../docs/gateway.md#measured).
autocannon and wrk ${r.crossCheck.agree ? 'agree' : '**disagree**'} within ${percent(r.crossCheck.tolerance)}
(relative differences: direct ${percent(r.crossCheck.relativeDifference.direct ?? 0)}, gateway
${percent(r.crossCheck.relativeDifference.gateway ?? 0)}, gateway share ${percent(r.crossCheck.relativeDifference.share ?? 0)}).
`;
}

const share = (gateway: number, direct: number) => Number((gateway / direct).toFixed(3));
const relativeDifference = (a: number, b: number) => Number((Math.abs(a - b) / Math.max(a, b)).toFixed(3));

async function main() {
  const database = createDatabase<unknown>({ connectionString: databaseUrl, schema, max: 1 });
  try {
    await measure(database);
  } finally {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
    await database.close();
  }
}

async function measure(database: ReturnType<typeof createDatabase<unknown>>) {
  await migrateSchema(database, {
    migrationsFolder: `${repoRoot}services/gateway/dist/db/migrations`,
    direction: 'latest',
  });
  const upstream = await startServer('./upstream.ts');
  const bareProxy = await startServer('./bare-proxy.ts', [upstream.url]);
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

    const bareProxyUrl = `${bareProxy.url}${path}`;
    await autocannonRun({ url: bareProxyUrl, connections: 10, duration: WARMUP_S, headers });

    const load1 = os.loadavg()[0] ?? 0;
    const directMax = await autocannonMax(directUrl, headers, { upstream: upstream.child });
    const gatewayMax = await autocannonMax(throughGatewayUrl, headers, {
      gateway,
      upstream: upstream.child,
    });
    const bareProxyMax = await autocannonMax(bareProxyUrl, headers, {
      bareProxy: bareProxy.child,
      upstream: upstream.child,
    });
    const directWrk = await wrkRun(directUrl, authorization);
    const gatewayWrk = await wrkRun(throughGatewayUrl, authorization);
    const fixed = { connections: 20, overallRate: FIXED_RATE, duration: DURATION_S, headers };
    const directFixed = await autocannonRun({ url: directUrl, ...fixed });
    const gatewayFixed = await autocannonRun({ url: throughGatewayUrl, ...fixed });
    const load1After = os.loadavg()[0] ?? 0;

    const autocannonShare = share(gatewayMax.average, directMax.average);
    const wrkShare = share(gatewayWrk.requestsPerSecond, directWrk.requestsPerSecond);
    const difference = {
      direct: relativeDifference(directMax.average, directWrk.requestsPerSecond),
      gateway: relativeDifference(gatewayMax.average, gatewayWrk.requestsPerSecond),
      share: relativeDifference(autocannonShare, wrkShare),
    };
    const { average: _d, ...direct } = directMax;
    const { average: _g, ...throughGateway } = gatewayMax;
    const { average: _b, ...bare } = bareProxyMax;
    const addedP99Ms = Number((gatewayFixed.latency.p99 - directFixed.latency.p99).toFixed(2));
    const result: GatewayBenchResult = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      loadAverage1m: { before: load1, after: load1After },
      route: `GET ${path} (gateway: JWT verified + per-user limit in Redis + header hygiene + proxy)`,
      gateway: { logLevel: LOG_LEVEL, rateLimits: redisUrl === '' ? 'memory' : 'redis' },
      durationSeconds: DURATION_S,
      connections: CONNECTIONS,
      maxThroughput: {
        autocannon: { direct, gateway: throughGateway, bareNodeProxy: bare },
        wrk: { direct: directWrk, gateway: gatewayWrk },
      },
      fixedRate: {
        requestsPerSecond: FIXED_RATE,
        direct: autocannonSummary(directFixed),
        gateway: autocannonSummary(gatewayFixed),
      },
      gatewayShareOfDirect: { autocannon: autocannonShare, wrk: wrkShare },
      bareNodeProxyShareOfDirect: share(bareProxyMax.average, directMax.average),
      addedP99Ms,
      crossCheck: {
        relativeDifference: difference,
        tolerance: AGREEMENT_TOLERANCE,
        agree: Object.values(difference).every((value) => value <= AGREEMENT_TOLERANCE),
      },
      targets: { gatewayShareOfDirect: '>= 0.5', addedP99Ms: '<= 5' },
      met: {
        gatewayShareOfDirect: autocannonShare >= 0.5 && wrkShare >= 0.5,
        addedP99Ms: addedP99Ms <= 5,
      },
    };
    console.log(JSON.stringify(result, null, 2));
    writeFileSync(`${repoRoot}bench/results/gateway.json`, `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(`${repoRoot}bench/results/gateway.md`, markdown(result));
  } finally {
    await stopChild(gateway, () => gateway.kill('SIGTERM'));
    await stopChild(bareProxy.child, () => bareProxy.child.send('stop'));
    await stopChild(upstream.child, () => upstream.child.send('stop'));
  }
}

await main();

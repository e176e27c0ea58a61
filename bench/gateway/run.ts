/**
 * Gateway overhead: the same route measured directly at the upstream and through the gateway with a
 * valid JWT (token verification cached, per-user limit, header hygiene, keep-alive proxy), in one run,
 * with autocannon: maximum throughput (fixed connections) and p99 latency at a fixed 500 req/s.
 * The upstream is a minimal JSON server so the figures show what the gateway adds.
 * Run: pnpm build && pnpm exec tsx bench/gateway/run.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);

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
      const response = await fetch(`${url}/health`);
      if (response.ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('gateway never became healthy');
}

function run(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

const summary = (result: autocannon.Result) => ({
  requestsPerSecond: Math.round(result.requests.average),
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  non2xx: result.non2xx,
  errors: result.errors,
});

async function main() {
  const upstream = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"items":[],"nextCursor":null}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench' };
  const port = await freePort();
  const gatewayUrl = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    SERVICE_KEY: 'bench-service-key-000000000000000000000000',
    DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    JWT_SIGNING_KEYS: JSON.stringify([jwk]),
    RATE_LIMIT_USER_PER_MINUTE: '100000000',
    RATE_LIMIT_IP_PER_MINUTE: '100000000',
    ORDERS_URL: upstreamUrl,
  };
  const gateway = spawn(process.execPath, ['services/gateway/dist/main.js'], {
    cwd: repoRoot,
    env,
    stdio: 'inherit',
  });
  try {
    await waitReady(gatewayUrl, gateway);
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
    const token = `${signingInput}.${sign(null, Buffer.from(signingInput), privateKey).toString('base64url')}`;
    const headers = { authorization: `Bearer ${token}` };
    const path = '/orders';
    // Warm up both paths (keep-alive sockets, JIT, token cache).
    await run({ url: `${upstreamUrl}${path}`, connections: 10, duration: 2, headers });
    await run({ url: `${gatewayUrl}${path}`, connections: 10, duration: 2, headers });

    const load1 = os.loadavg()[0] ?? 0;
    const directMax = await run({
      url: `${upstreamUrl}${path}`,
      connections: 50,
      duration: DURATION_S,
      headers,
    });
    const gatewayMax = await run({
      url: `${gatewayUrl}${path}`,
      connections: 50,
      duration: DURATION_S,
      headers,
    });
    const directFixed = await run({
      url: `${upstreamUrl}${path}`,
      connections: 20,
      overallRate: 500,
      duration: DURATION_S,
      headers,
    });
    const gatewayFixed = await run({
      url: `${gatewayUrl}${path}`,
      connections: 20,
      overallRate: 500,
      duration: DURATION_S,
      headers,
    });
    const load1After = os.loadavg()[0] ?? 0;

    const result = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      loadAverage1m: { before: load1, after: load1After },
      route: `GET ${path} (gateway: JWT verified + per-user limit + proxy)`,
      durationSeconds: DURATION_S,
      maxThroughput: { direct: summary(directMax), gateway: summary(gatewayMax) },
      fixed500: { direct: summary(directFixed), gateway: summary(gatewayFixed) },
      gatewayShareOfDirect: Number((gatewayMax.requests.average / directMax.requests.average).toFixed(3)),
      addedP99MsAt500: Number((gatewayFixed.latency.p99 - directFixed.latency.p99).toFixed(2)),
      targets: { gatewayShareOfDirect: '>= 0.5', addedP99MsAt500: '<= 5' },
    };
    console.log(JSON.stringify(result, null, 2));
    writeFileSync(`${repoRoot}bench/results/gateway.json`, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    const exited = new Promise((resolve) => gateway.once('exit', resolve));
    gateway.kill('SIGTERM');
    await exited;
    upstream.closeAllConnections();
    upstream.close();
  }
}

await main();

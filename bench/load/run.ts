/**
 * Load through the gateway: the whole platform started by the e2e harness (tests/e2e/src/platform.ts,
 * the same launcher as `pnpm start`, on a database and stream of its own), seeded through the public API,
 * then a weighted mix (browse products 30, public trends 25, purchases 20, cart adds 15, checkouts 10)
 * from fixed workers (one shopper each, one request at a time) for LOAD_SECONDS (default 60).
 * Reports req/s, p50/p95/p99 overall and per class, errors (target 0), each service's CPU and garbage
 * collection seconds over the run (its /metrics: process_cpu_seconds_total, nodejs_gc_duration_seconds by
 * kind; what V8 flags such as a smaller semi-space cost) and its resident memory (VmRSS / VmHWM from
 * /proc/<pid>/status). Results: bench/results/load.{json,md}.
 *
 *   pnpm build && pnpm exec tsx bench/load/run.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceNames } from '@cartwatch/common-types';
import { eventually } from '@cartwatch/e2e-tests/eventually';
import { GatewayClient } from '@cartwatch/e2e-tests/gateway-client';
import { memoryOf, mixWeights, requestClasses, runLoad, seedLoad } from '@cartwatch/e2e-tests/load';
import { label, latencyBetween, latencyBuckets, samples } from '@cartwatch/e2e-tests/metrics';
import { Platform } from '@cartwatch/e2e-tests/platform';
import { setupTestInfrastructure } from '@cartwatch/e2e-tests/test-infrastructure';
import { cpuOf, cpuSince, machineCpuSeconds, pidsNamed } from '../cpu.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Bench settings from the environment (not turbo task inputs: the bench runs outside turbo). */
const setting = (name: string, fallback: string): string => process.env[name] ?? fallback;
const seconds = Number(setting('LOAD_SECONDS', '60'));
const workers = Number(setting('LOAD_WORKERS', '16'));

const loadAverageAtStart = os.loadavg().map((value) => Math.round(value * 100) / 100);
const stopInfrastructure = await setupTestInfrastructure();
let platform: Platform | undefined;
try {
  platform = await Platform.start({ env: { LOG_LEVEL: 'warn' } });
  const gateway = new GatewayClient(platform.url);
  const admin = await eventually('admin login', () =>
    gateway.loginAdmin(platform?.admin ?? { email: '', password: '' }),
  );
  console.log(`seeding ${workers} shoppers...`);
  const seed = await seedLoad(gateway, admin, { shopperCount: workers, receiptsPerShopper: 10 });
  // The seed's receipts set off event chains (matching, prices, alerts) that run for a while: measured
  // alongside the mix they would count a one-off backlog against its requests. Wait until all have run.
  const settleSeconds = await platform.eventsSettled();
  console.log(`the seed's events settled in ${settleSeconds} s`);
  const loadAverageBeforeRun = os.loadavg().map((value) => Math.round(value * 100) / 100);
  console.log(
    `running the mix for ${seconds} s with ${workers} workers (load ${loadAverageBeforeRun.join(' ')})...`,
  );
  // Where the time goes: each service's own latency histogram over the run (its /metrics, seed excluded).
  const snapshot = () =>
    Promise.all(
      serviceNames.map(
        async (name) => [name, await latencyBuckets(platform?.managementUrls[name] ?? '')] as const,
      ),
    );
  // Where the CPU goes: each process's CPU seconds over the run (/proc), and the machine's busy share.
  const cpuGroups = () => ({
    ...Object.fromEntries(serviceNames.map((name) => [name, cpuOf([platform?.pid(name) ?? 0])])),
    postgres: cpuOf(pidsNamed('postgres')),
    'nats-server': cpuOf(pidsNamed('nats-server')),
    'redis-server': cpuOf(pidsNamed('redis-server')),
  });
  // GC seconds of each service (its /metrics): how much of its CPU went to garbage collection (minor =
  // scavenges of the young generation, major = mark-compact), which the V8 heap flags trade against memory.
  const gcSeconds = () =>
    Promise.all(
      serviceNames.map(async (name) => {
        const url = platform?.managementUrls[name] ?? '';
        const gc: Record<string, number> = {};
        for (const sample of await samples(url, 'nodejs_gc_duration_seconds_sum')) {
          const kind = label(sample.labels, 'kind') ?? '?';
          gc[kind] = (gc[kind] ?? 0) + sample.value;
        }
        return [name, gc] as const;
      }),
    );
  const bucketsBefore = new Map(await snapshot());
  const gcBefore = new Map(await gcSeconds());
  const cpuBefore = cpuGroups();
  const machineBefore = machineCpuSeconds();
  const generatorBefore = process.cpuUsage();
  const result = await runLoad(gateway, seed, seconds * 1000);
  const generatorUsage = process.cpuUsage(generatorBefore);
  const machineAfter = machineCpuSeconds();
  const cpuAfter = cpuGroups();
  const bucketsAfter = await snapshot();
  const cpuSeconds: Record<string, number> = {
    ...Object.fromEntries(
      Object.entries(cpuAfter).map(([name, after]) => [
        name,
        cpuSince(cpuBefore[name as keyof typeof cpuBefore] ?? new Map(), after),
      ]),
    ),
    'load generator': Math.round(((generatorUsage.user + generatorUsage.system) / 1e6) * 100) / 100,
  };
  const machineBusyShare =
    Math.round(
      ((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) * 1000,
    ) / 10;
  const gcAfter = await gcSeconds();
  const perService = Object.fromEntries(
    bucketsAfter.map(([name, after]) => [name, latencyBetween(bucketsBefore.get(name) ?? new Map(), after)]),
  );
  const round2 = (value: number) => Math.round(value * 100) / 100;
  const gc = Object.fromEntries(
    gcAfter.map(([name, after]) => {
      const before = gcBefore.get(name) ?? {};
      return [
        name,
        Object.fromEntries(
          Object.entries(after).map(([kind, value]) => [kind, round2(value - (before[kind] ?? 0))]),
        ),
      ] as const;
    }),
  );
  const memory = Object.fromEntries(
    await Promise.all(
      serviceNames.map(async (name) => {
        const pid = platform?.pid(name);
        return [name, pid ? await memoryOf(pid) : null] as const;
      }),
    ),
  );
  const report = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    loadAverageAtStart,
    loadAverageBeforeRun,
    settleSeconds,
    seconds,
    workers,
    mixWeights,
    result,
    perService,
    cpuSeconds,
    machineBusyShare,
    gcSeconds: gc,
    memory,
  };
  const out = path.join(repoRoot, 'bench', 'results');
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'load.json'), `${JSON.stringify(report, null, 2)}\n`);
  const rows = requestClasses.map((name) => {
    const c = result.perClass[name];
    return `| ${name} | ${mixWeights[name]} | ${c.requests} | ${c.errors} | ${c.p50Ms} | ${c.p95Ms} | ${c.p99Ms} |`;
  });
  const serviceRows = serviceNames.map((name) => {
    const l = perService[name];
    const ms = (value: number | undefined) =>
      value === undefined || !Number.isFinite(value) ? '> 10,000' : `<= ${value}`;
    if (!l || l.requests === 0) return `| ${name} | 0 | - | - |`;
    return `| ${name} | ${l.requests} | ${ms(l.p50UnderMs)} | ${ms(l.p99UnderMs)} |`;
  });
  const cpuTotal = Object.values(cpuSeconds).reduce((sum, value) => sum + value, 0);
  const cpuRows = Object.entries(cpuSeconds)
    .sort((a, b) => b[1] - a[1])
    .map(
      ([name, value]) =>
        `| ${name} | ${value} | ${Math.round((value / result.requests) * 1e6) / 1000} | ${Math.round((value / cpuTotal) * 1000) / 10} % |`,
    );
  const gcRows = serviceNames.map((name) => {
    const seconds = gc[name] ?? {};
    return `| ${name} | ${cpuSeconds[name] ?? '-'} | ${seconds.minor ?? 0} | ${round2((seconds.major ?? 0) + (seconds.incremental ?? 0) + (seconds.weakcb ?? 0))} |`;
  });
  const memoryRows = serviceNames.map((name) => {
    const m = memory[name];
    return `| ${name} | ${m?.rssMiB ?? '-'} | ${m?.peakRssMiB ?? '-'} |`;
  });
  await writeFile(
    path.join(out, 'load.md'),
    `# Load through the gateway

\`pnpm build && pnpm exec tsx bench/load/run.ts\` (${report.date}). ${report.machine.cpus} CPUs (${report.machine.cpu}), ${report.machine.memGiB} GiB, Node ${report.machine.node}; Postgres, NATS and Redis on the same machine.
Load average at start ${loadAverageAtStart.join(' ')}, before the run ${loadAverageBeforeRun.join(' ')}. The seed's
event chains were left to run out first (${settleSeconds} s until no event was pending in the stream or an outbox).

${workers} workers (one shopper each, one request at a time) for ${seconds} s: **${result.requestsPerSecond} req/s**,
${result.requests} requests, **${result.errors} errors** (target 0), p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms, p99 ${result.p99Ms} ms.

| class | weight | requests | errors | p50 ms | p95 ms | p99 ms |
| ----- | ------ | -------- | ------ | ------ | ------ | ------ |
${rows.join('\n')}

Where the time goes: each service's own \`http_request_duration_seconds\` over the run (its /metrics, the seed
excluded; the gateway's includes the upstream it waits for). The histogram's buckets bound the figures
(5, 10, 25, 50, 100, 250, 500 ms ...): p99 <= 250 means between 100 and 250 ms.

| service | requests | p50 ms | p99 ms |
| ------- | -------- | ------ | ------ |
${serviceRows.join('\n')}

Where the CPU goes: CPU seconds (user + system, \`/proc/<pid>/stat\`) of each process over the run; Postgres,
NATS and Redis are all their processes on the machine. The machine's CPUs were **${machineBusyShare} % busy**
over the run (\`/proc/stat\`), so latency above the work itself is time spent waiting for a CPU.

| process | CPU s | ms per request | share |
| ------- | ----- | -------------- | ----- |
${cpuRows.join('\n')}
| all | ${Math.round(cpuTotal * 100) / 100} | ${Math.round((cpuTotal / result.requests) * 1e6) / 1000} | 100 % |

How much of each service's CPU went to garbage collection (its /metrics, nodejs_gc_duration_seconds: minor =
young-generation scavenges, which \`--max-semi-space-size\` makes more frequent; major = mark-compact,
incremental marking and weak callbacks).

| service | CPU s | GC minor s | GC major s |
| ------- | ----- | ---------- | ---------- |
${gcRows.join('\n')}

Resident memory of each service after the run (MiB; peak = VmHWM):

| service | RSS | peak RSS |
| ------- | --- | -------- |
${memoryRows.join('\n')}
${result.errorSamples.length > 0 ? `\nFirst errors:\n\n${result.errorSamples.map((line) => `- ${line}`).join('\n')}\n` : ''}`,
  );
  console.log(JSON.stringify({ ...result, memory }, null, 2));
} finally {
  await platform?.stop();
  await stopInfrastructure();
}

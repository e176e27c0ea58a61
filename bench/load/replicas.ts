/**
 * The mixed load (bench/load, the same seeding and mix from tests/e2e/src/load.ts) against one replica
 * of every service, the same behind round-robin fronts (what the fronts cost), and two replicas of every
 * service (two gateways) behind the fronts (the e2e Platform's `replicas` and `front` options,
 * docs/architecture.md#scale-out), one platform after the other in the same run, LOAD_SECONDS (default
 * 30) each with LOAD_WORKERS (default 16) shoppers. Reports req/s and p50/p95/p99 side by side, per
 * class, and how the fronts spread the requests over the replicas.
 * Results: bench/results/load-replicas.{json,md}.
 *
 *   pnpm build && pnpm exec tsx bench/load/replicas.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ServiceName, serviceNames } from '@cartwatch/common-types';
import { eventually } from '@cartwatch/e2e-tests/eventually';
import { GatewayClient } from '@cartwatch/e2e-tests/gateway-client';
import { type LoadResult, requestClasses, runLoad, seedLoad } from '@cartwatch/e2e-tests/load';
import { Platform } from '@cartwatch/e2e-tests/platform';
import { setupTestInfrastructure } from '@cartwatch/e2e-tests/test-infrastructure';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Bench settings from the environment (not turbo task inputs: the bench runs outside turbo). */
const setting = (name: string, fallback: string): string => process.env[name] ?? fallback;
const seconds = Number(setting('LOAD_SECONDS', '30'));
const workers = Number(setting('LOAD_WORKERS', '16'));
const configurations = [
  { name: '1 replica', replicas: 1, front: false },
  { name: '1 replica + fronts', replicas: 1, front: true },
  { name: '2 replicas + fronts', replicas: 2, front: true },
] as const;
type Configuration = (typeof configurations)[number];

const round = (value: number) => Math.round(value * 100) / 100;
const loadAverage = () => os.loadavg().map(round);

/** Requests each replica served (its own /metrics: the HTTP histogram's count), by service. */
async function servedPerReplica(platform: Platform): Promise<Record<ServiceName, number[]>> {
  const entries = await Promise.all(
    serviceNames.map(async (name) => {
      const counts = await Promise.all(
        platform.replicaManagementUrls[name].map(async (url) => {
          const text = await (await fetch(`${url}/metrics`)).text();
          return text
            .split('\n')
            .filter((line) => line.startsWith('http_request_duration_seconds_count'))
            .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
        }),
      );
      return [name, counts] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<ServiceName, number[]>;
}

interface Run {
  name: string;
  replicas: number;
  front: boolean;
  loadAverageBeforeRun: number[];
  result: LoadResult;
  served: Record<ServiceName, number[]>;
  /** What the platform's stop() reported (a service that did not stop cleanly), if anything. */
  stopProblem?: string;
}

async function measure({ name, replicas, front }: Configuration): Promise<Run> {
  const platform = await Platform.start({ replicas, front, env: { LOG_LEVEL: 'warn' } });
  let run: Run | undefined;
  try {
    const gateway = new GatewayClient(platform.url);
    const admin = await eventually('admin login', () => gateway.loginAdmin(platform.admin));
    console.log(`${name}: seeding ${workers} shoppers...`);
    const seed = await seedLoad(gateway, admin, { shopperCount: workers, receiptsPerShopper: 10 });
    // The seed's event chains run out first, so their backlog is not measured with the mix (bench/load).
    const settleSeconds = await platform.eventsSettled();
    console.log(`${name}: the seed's events settled in ${settleSeconds} s`);
    const loadAverageBeforeRun = loadAverage();
    console.log(`${name}: the mix for ${seconds} s (load ${loadAverageBeforeRun.join(' ')})...`);
    const before = await servedPerReplica(platform);
    const result = await runLoad(gateway, seed, seconds * 1000);
    const after = await servedPerReplica(platform);
    const served = Object.fromEntries(
      serviceNames.map((name) => [
        name,
        after[name].map((count, index) => count - (before[name][index] ?? 0)),
      ]),
    ) as Record<ServiceName, number[]>;
    console.log(
      `${name}: ${result.requestsPerSecond} req/s, p99 ${result.p99Ms} ms, ${result.errors} errors`,
    );
    run = { name, replicas, front, loadAverageBeforeRun, result, served };
    return run;
  } finally {
    await platform.stop().catch((error: unknown) => {
      // The measurement stands; the report says what went wrong at the stop.
      if (!run) throw error;
      run.stopProblem = String(error).split('\n').slice(0, 3).join(' ');
      console.error(`${name}: ${run.stopProblem}`);
    });
  }
}

const loadAverageAtStart = loadAverage();
const stopInfrastructure = await setupTestInfrastructure();
const runs: Run[] = [];
try {
  for (const configuration of configurations) runs.push(await measure(configuration));
} finally {
  await stopInfrastructure();
}

const report = {
  date: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  },
  loadAverageAtStart,
  seconds,
  workers,
  runs,
};
const out = path.join(repoRoot, 'bench', 'results');
await mkdir(out, { recursive: true });
await writeFile(path.join(out, 'load-replicas.json'), `${JSON.stringify(report, null, 2)}\n`);

const [one, fronted, two] = runs as [Run, Run, Run];
const ratio = (a: number, b: number) => (b === 0 ? '-' : `${round(a / b)}x`);
const overall = runs.map(
  ({ name, loadAverageBeforeRun, result }) =>
    `| ${name} | ${result.requestsPerSecond} | ${result.requests} | ${result.errors} | ${result.p50Ms} | ${result.p95Ms} | ${result.p99Ms} | ${loadAverageBeforeRun.join(' ')} |`,
);
const perClass = requestClasses.map((name) => {
  const [a, f, b] = [one, fronted, two].map((run) => run.result.perClass[name]) as [
    LoadResult['perClass'][typeof name],
    LoadResult['perClass'][typeof name],
    LoadResult['perClass'][typeof name],
  ];
  return `| ${name} | ${a.requests} / ${f.requests} / ${b.requests} | ${a.errors} / ${f.errors} / ${b.errors} | ${a.p50Ms} / ${f.p50Ms} / ${b.p50Ms} | ${a.p99Ms} / ${f.p99Ms} / ${b.p99Ms} |`;
});
const spread = serviceNames.map((name) => `| ${name} | ${two.served[name].join(' / ')} |`);
await writeFile(
  path.join(out, 'load-replicas.md'),
  `# Load through the gateway: one replica of everything vs two

\`pnpm build && pnpm exec tsx bench/load/replicas.ts\` (${report.date}). ${report.machine.cpus} CPUs (${report.machine.cpu}), ${report.machine.memGiB} GiB, Node ${report.machine.node}; Postgres, NATS and Redis on the same machine.
Load average at start ${loadAverageAtStart.join(' ')}.

The same seeding and mix as [load.md](load.md) (${workers} shoppers, one request at a time each, ${seconds} s per
configuration), on a fresh platform per configuration, one after the other: **1 replica** = every service
once on its address (as \`pnpm start\`); **1 replica + fronts** = the same behind one round-robin front per
service (local-stack's \`startRoundRobinFront\`, per request), which every \`*_URL\` uses, so a proxied
request crosses two fronts (client -> gateway, gateway -> service): what the fronts alone cost;
**2 replicas + fronts** = two processes of every service (two gateways) behind the fronts. The fronts run
in the benchmark's process, beside the load generator.

| configuration | req/s | requests | errors | p50 ms | p95 ms | p99 ms | load average before |
| ------------- | ----- | -------- | ------ | ------ | ------ | ------ | ------------------- |
${overall.join('\n')}

Two replicas: **${ratio(two.result.requestsPerSecond, one.result.requestsPerSecond)}** the throughput of one
(p99 ${ratio(two.result.p99Ms, one.result.p99Ms)}), **${ratio(two.result.requestsPerSecond, fronted.result.requestsPerSecond)}** that of one behind the same fronts
(p99 ${ratio(two.result.p99Ms, fronted.result.p99Ms)}).

Per class (1 replica / 1 replica + fronts / 2 replicas + fronts):

| class | requests | errors | p50 ms | p99 ms |
| ----- | -------- | ------ | ------ | ------ |
${perClass.join('\n')}

Requests each replica served during the 2-replica run (its own \`/metrics\`, \`http_request_duration_seconds_count\`; #1 / #2):

| service | #1 / #2 |
| ------- | ------- |
${spread.join('\n')}
${runs
  .filter((run) => run.stopProblem)
  .map((run) => `\n${run.name}, at the platform's stop: ${run.stopProblem}\n`)
  .join(
    '',
  )}${runs.some((run) => run.result.errorSamples.length > 0) ? `\nFirst errors:\n\n${runs.flatMap((run) => run.result.errorSamples.map((line) => `- ${run.name}: ${line}`)).join('\n')}\n` : ''}`,
);
console.log(JSON.stringify(report, null, 2));

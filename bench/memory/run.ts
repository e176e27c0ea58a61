/**
 * Idle memory per service (issue #24's memory target, bench/README.md "memory"): the whole platform
 * started by the e2e launcher (the same `@cartwatch/local-stack` processes and environment as
 * `pnpm start`), the demo data seeded through the gateway the way `pnpm start` seeds it (`demo/seed.ts`
 * as a child process), then the event chains the seed started are left to finish: the services are idle
 * once each has used less than 2% of a core over 5 s (process_cpu_seconds_total on its /metrics; at most
 * MEMORY_IDLE_TIMEOUT_SECONDS, default 300), which on a busy machine takes longer than the seed itself.
 * After MEMORY_SETTLE_SECONDS more (default 30; V8's memory reducer shrinks an idle heap within them),
 * each service's resident memory is sampled once a second for MEMORY_SAMPLE_SECONDS (default 15): VmRSS
 * median and max, VmHWM (peak since start). For comparison one VmRSS sample is also taken
 * MEMORY_SETTLE_SECONDS after the seed, with each service's CPU use then, idle or not. A
 * browser a service started (Chromium for store syncs or URL rendering) is a child process of it and is
 * counted apart: its processes and their RSS are listed beside the service's own.
 * Results: bench/results/memory.{json,md}.
 *
 *   pnpm build && pnpm exec tsx bench/memory/run.ts
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type ServiceName, serviceNames } from '@cartwatch/common-types';
import { memoryOf } from '@cartwatch/e2e-tests/load';
import { samples as metricSamples } from '@cartwatch/e2e-tests/metrics';
import { Platform } from '@cartwatch/e2e-tests/platform';
import { setupTestInfrastructure } from '@cartwatch/e2e-tests/test-infrastructure';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const sampleSeconds = Number(process.env.MEMORY_SAMPLE_SECONDS ?? '15');
const settleSeconds = Number(process.env.MEMORY_SETTLE_SECONDS ?? '30');
const idleTimeoutSeconds = Number(process.env.MEMORY_IDLE_TIMEOUT_SECONDS ?? '300');
const TARGET_MIB = 120;
/** A service is idle below this share of one core over IDLE_WINDOW_SECONDS. */
const IDLE_CPU_PERCENT = 2;
const IDLE_WINDOW_SECONDS = 5;

/** Every descendant process of `pid` with its command name and RSS (MiB), read from /proc. */
async function descendants(pid: number): Promise<Array<{ pid: number; name: string; rssMiB: number }>> {
  const parents = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = await readFile(`/proc/${entry}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we read
    }
  }
  const found: Array<{ pid: number; name: string; rssMiB: number }> = [];
  const walk = async (parent: number) => {
    for (const child of parents.get(parent) ?? []) {
      try {
        const status = await readFile(`/proc/${child}/status`, 'utf8');
        const name = /^Name:\s+(.+)$/m.exec(status)?.[1] ?? '?';
        const kib = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
        found.push({ pid: child, name, rssMiB: Math.round((kib / 1024) * 10) / 10 });
      } catch {
        // ended
      }
      await walk(child);
    }
  };
  await walk(pid);
  return found;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

const loadAverageAtStart = os.loadavg().map((value) => Math.round(value * 100) / 100);
const stopInfrastructure = await setupTestInfrastructure();
let platform: Platform | undefined;
try {
  platform = await Platform.start({ env: { LOG_LEVEL: 'warn' } });
  console.log('seeding the demo data (demo/seed.ts, as pnpm start does)...');
  const seedStarted = performance.now();
  const seeded = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'demo/seed.ts')],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        GATEWAY_URL: platform.url,
        ADMIN_EMAIL: platform.admin.email,
        ADMIN_PASSWORD: platform.admin.password,
      },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (!seeded.stdout.includes('demo data ready'))
    throw new Error(`the demo data was not seeded:\n${seeded.stdout}`);
  const seededAt = performance.now();
  const seedSeconds = Math.round((seededAt - seedStarted) / 100) / 10;
  const running = platform;
  const cpuSeconds = async () =>
    new Map(
      await Promise.all(
        serviceNames.map(
          async (name) =>
            [
              name,
              (await metricSamples(running.managementUrls[name], 'process_cpu_seconds_total'))[0]?.value ?? 0,
            ] as const,
        ),
      ),
    );
  /** Each service's share of one core (%) over the next IDLE_WINDOW_SECONDS. */
  const cpuPercent = async () => {
    const before = await cpuSeconds();
    await new Promise((resolve) => setTimeout(resolve, IDLE_WINDOW_SECONDS * 1000));
    const after = await cpuSeconds();
    return new Map(
      serviceNames.map((name) => [
        name,
        Math.round((((after.get(name) ?? 0) - (before.get(name) ?? 0)) / IDLE_WINDOW_SECONDS) * 1000) / 10,
      ]),
    );
  };
  console.log(`seeded in ${seedSeconds} s; sampling once ${settleSeconds} s after the seed...`);
  await new Promise((resolve) => setTimeout(resolve, settleSeconds * 1000 - IDLE_WINDOW_SECONDS * 1000));
  const cpuAfterSeed = await cpuPercent();
  const rssAfterSeed = new Map<ServiceName, number>();
  for (const name of serviceNames) {
    const pid = platform.pid(name);
    if (pid) rssAfterSeed.set(name, (await memoryOf(pid)).rssMiB);
  }
  console.log('waiting until every service is idle...');
  let cpu = cpuAfterSeed;
  while (
    [...cpu.values()].some((percent) => percent >= IDLE_CPU_PERCENT) &&
    performance.now() - seededAt < idleTimeoutSeconds * 1000
  ) {
    cpu = await cpuPercent();
  }
  const idleReached = [...cpu.values()].every((percent) => percent < IDLE_CPU_PERCENT);
  const idleAfterSeedSeconds = Math.round((performance.now() - seededAt) / 1000);
  console.log(
    `${idleReached ? 'idle' : 'still busy'} ${idleAfterSeedSeconds} s after the seed; settling ${settleSeconds} s...`,
  );
  await new Promise((resolve) => setTimeout(resolve, settleSeconds * 1000));
  const samples = new Map<ServiceName, number[]>(serviceNames.map((name) => [name, []]));
  for (let second = 0; second < sampleSeconds; second++) {
    for (const name of serviceNames) {
      const pid = platform.pid(name);
      if (pid) samples.get(name)?.push((await memoryOf(pid)).rssMiB);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const services = [];
  for (const name of serviceNames) {
    const pid = platform.pid(name);
    if (!pid) throw new Error(`${name} is not running`);
    const rss = samples.get(name) ?? [];
    const children = (await descendants(pid)).filter((child) => child.rssMiB > 0);
    services.push({
      service: name,
      rssAfterSeedMiB: rssAfterSeed.get(name),
      cpuPercentAfterSeed: cpuAfterSeed.get(name),
      rssMedianMiB: median(rss),
      rssMaxMiB: Math.max(...rss),
      peakRssMiB: (await memoryOf(pid)).peakRssMiB,
      children,
      childrenRssMiB: Math.round(children.reduce((sum, child) => sum + child.rssMiB, 0) * 10) / 10,
      met: Math.max(...rss) < TARGET_MIB,
    });
  }
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    loadAverageAtStart,
    seedSeconds,
    idleReached,
    idleAfterSeedSeconds,
    settleSeconds,
    sampleSeconds,
    targetMiB: TARGET_MIB,
    services,
    allMet: services.every((service) => service.met),
  };
  await writeFile(path.join(repoRoot, 'bench/results/memory.json'), `${JSON.stringify(result, null, 2)}\n`);
  const rows = services.map(
    (s) =>
      `| ${s.service} | ${s.rssMedianMiB} | ${s.rssMaxMiB} | ${s.peakRssMiB} | ${s.children.length === 0 ? 'none' : `${s.children.length} (${s.childrenRssMiB} MiB: ${[...new Set(s.children.map((c) => c.name))].join(', ')})`} | ${s.met ? 'met' : '**not met**'} | ${s.rssAfterSeedMiB} (${s.cpuPercentAfterSeed}%) |`,
  );
  await writeFile(
    path.join(repoRoot, 'bench/results/memory.md'),
    [
      '# Idle memory per service (bench/memory)',
      '',
      `${result.date}, ${result.machine.cpus} vCPUs (${result.machine.model}), Node ${result.machine.node}, load average ${loadAverageAtStart.join(' / ')} at start.`,
      `The platform as \`pnpm start\` runs it, the demo data seeded (${seedSeconds} s), the services ${idleReached ? 'idle' : '**still not idle**'} ${idleAfterSeedSeconds} s after the seed (each under ${IDLE_CPU_PERCENT}% of a core over ${IDLE_WINDOW_SECONDS} s), ${settleSeconds} s more to settle, then RSS sampled once a second for ${sampleSeconds} s.`,
      `The last column is one sample ${settleSeconds} s after the seed, with the service's CPU use over the ${IDLE_WINDOW_SECONDS} s before it (the event chains the seed started may still run then).`,
      '',
      `| service | RSS median MiB | RSS max MiB | peak since start MiB | child processes (counted apart) | < ${TARGET_MIB} MiB | RSS ${settleSeconds} s after the seed MiB (CPU) |`,
      '| --- | ---: | ---: | ---: | --- | --- | ---: |',
      ...rows,
      '',
    ].join('\n'),
  );
  console.log(rows.join('\n'));
} finally {
  await platform?.stop();
  await stopInfrastructure();
}

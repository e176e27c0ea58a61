/**
 * bench/route: one shopping route with 60 stops on a 2,000-node store layout (target < 50 ms), plus
 * the exact limit (12 stops). Pure CPU: no database or network. Each case runs a bounded number of
 * times after a warm-up; results go to bench/results/route.{json,md}.
 *
 *   pnpm build && pnpm exec tsx bench/route/run.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { planRoute } from '@cartwatch/cart-device/routing/shopping-route';
import { buildStoreGraph } from '@cartwatch/cart-device/routing/store-graph';
import { gridStore, seededRandom } from '@cartwatch/cart-device/test/random-layout';

const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
const WARMUP = 5;
const RUNS = 40;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

interface Case {
  name: string;
  stops: number;
  exactMaxStops: number;
}

const layout = gridStore(50, 40, 8); // 2,000 nodes
const graph = buildStoreGraph(layout);
const cases: Case[] = [
  { name: '60 stops, heuristic (NN + cheapest insertion, 2-opt + Or-opt)', stops: 60, exactMaxStops: 12 },
  { name: '12 stops, exact (Held-Karp)', stops: 12, exactMaxStops: 12 },
  { name: '30 stops, heuristic', stops: 30, exactMaxStops: 12 },
];

const loadAverage1m = round(os.loadavg()[0] ?? 0);
const results = cases.map((c) => {
  const random = seededRandom(c.stops);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let distance = 0;
  let method = '';
  for (let run = 0; run < WARMUP + RUNS; run++) {
    const stops = Array.from(
      { length: c.stops },
      () => 1 + Math.floor(random() * (graph.nodeIds.length - 1)),
    );
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const plan = planRoute(graph, stops, c.exactMaxStops);
    const cpu = process.cpuUsage(cpuBefore);
    const elapsed = performance.now() - started;
    if (run >= WARMUP) {
      times.push(elapsed);
      cpuTimes.push((cpu.user + cpu.system) / 1000);
    }
    distance = plan.totalDistance;
    method = plan.method;
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  return {
    case: c.name,
    nodes: graph.nodeIds.length,
    edges: layout.edges.length,
    stops: c.stops,
    method,
    runs: RUNS,
    p50Ms: round(percentile(times, 50)),
    p95Ms: round(percentile(times, 95)),
    maxMs: round(times.at(-1) ?? 0),
    cpuP50Ms: round(percentile(cpuTimes, 50)),
    cpuP95Ms: round(percentile(cpuTimes, 95)),
    lastDistance: round(distance),
  };
});

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: round(os.totalmem() / 2 ** 30, 1),
  platform: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
  loadAverage1m,
};
const report = {
  ranAt: new Date().toISOString(),
  machine,
  target: '60 stops on 2,000 nodes: p95 < 50 ms',
  results,
};
await mkdir(resultsDir, { recursive: true });
await writeFile(path.join(resultsDir, 'route.json'), `${JSON.stringify(report, null, 2)}\n`);

const main = results[0];
const verdict =
  main === undefined
    ? 'not run'
    : main.p95Ms < 50
      ? 'met (wall p95)'
      : main.cpuP95Ms < 50
        ? 'met in CPU time (p95); wall time over target because of machine load'
        : 'NOT met';
const lines = [
  '# Shopping-route benchmark',
  '',
  `Last run: ${report.ranAt} (\`pnpm build && pnpm exec tsx bench/route/run.ts\`, raw JSON in \`bench/results/route.json\`).`,
  '',
  `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, ${machine.platform}; Node ${machine.node}.`,
  `The 1-minute load average was ${loadAverage1m} when the run started; the machine is shared, so figures`,
  'vary with other work (with a load above the CPU count, each run gets a fraction of a CPU).',
  '',
  `Layout: a ${graph.nodeIds.length}-node supermarket grid (50 aisles x 40 points, cross aisles every 8 points, ${layout.edges.length} edges).`,
  `Each run draws new random stops (seeded), then does everything a route request does after loading the layout:`,
  'one Dijkstra per terminal, the distance matrix, the tour, and the node-by-node path.',
  '',
  'Wall time includes waiting for a CPU on a loaded machine; CPU time (user + system of this process) is',
  'what one route costs.',
  '',
  '| case | method | runs | wall p50 | wall p95 | wall max | CPU p50 | CPU p95 |',
  '|---|---|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.case} | ${r.method} | ${r.runs} | ${r.p50Ms} ms | **${r.p95Ms} ms** | ${r.maxMs} ms | ${r.cpuP50Ms} ms | **${r.cpuP95Ms} ms** |`,
  ),
  '',
  `Target (issue 9): 60 stops on a 2,000-node layout under 50 ms: **${verdict}**.`,
  '',
];
await writeFile(path.join(resultsDir, 'route.md'), lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);

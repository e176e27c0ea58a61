/** Writes bench/results/orders.md from the JSON of the last run: `pnpm exec tsx bench/orders/report.ts <json>`. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Phase {
  checkouts: number;
  seconds: number;
  perSecond: number;
  placedPerSecond: number;
  statuses: Record<string, number>;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  stock: { on_hand: number; reserved: number; units_in_orders: number; violations: number };
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const file = process.argv[2];
if (!file) throw new Error('usage: report.ts <results json>');
const r = JSON.parse(await readFile(file, 'utf8')) as {
  startedAt: string;
  loadAverage1m: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  config: {
    clients: number;
    dbPoolMax: number;
    contention: { checkouts: number; coldProducts: number };
    sellOut: { checkouts: number; hotStock: number };
  };
  contention: Phase;
  rawLimit: {
    transactions: number;
    seconds: number;
    perSecond: number;
    latencyMs: { p50: number; p99: number };
  };
  shareOfRawLimit: number;
  sellOut: Phase;
  oversells: number;
};
const statuses = (phase: Phase) =>
  Object.entries(phase.statuses)
    .map(([status, count]) => `${count} x ${status}`)
    .join(', ');
const latency = (phase: Phase) =>
  `p50 ${phase.latencyMs.p50} ms, p95 ${phase.latencyMs.p95} ms, p99 ${phase.latencyMs.p99} ms, max ${phase.latencyMs.max} ms`;
const stock = (phase: Phase) =>
  `on_hand ${phase.stock.on_hand}, reserved ${phase.stock.reserved}, units in PENDING orders ${phase.stock.units_in_orders}, rows violating 0 <= reserved <= on_hand: ${phase.stock.violations}`;

const markdown = `# Orders checkout benchmark

Last run: ${r.startedAt} (\`pnpm build && pnpm exec tsx bench/orders/run.ts\`, raw JSON in \`bench/results/${path.basename(file)}\`).

Machine: ${r.machine.cpus} CPUs (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB RAM, ${r.machine.platform};
Node ${r.machine.node}; Postgres, NATS, the orders process (real \`dist/main.js\`, pool of ${r.config.dbPoolMax}) and
this load generator share these CPUs. **The 1-minute load average was ${r.loadAverage1m} when the run started**:
the machine was shared with other builds and test runs (about ${Math.round(Number(r.loadAverage1m) / r.machine.cpus)}
runnable processes per CPU), so the throughput and latency below are far below what the code does on an idle
machine; the correctness figures do not depend on load. Re-run on a quiet machine for speed figures.

Each checkout is \`POST /orders\` with a fresh \`Idempotency-Key\` from one of ${r.config.clients} concurrent keep-alive
clients; the script plays the gateway (service key and identity headers).

| phase | what | result |
|---|---|---|
| hot-product contention | ${r.config.contention.checkouts} carts, each with 1 unit of the same hot product + 1 of ${r.config.contention.coldProducts} cold ones; ${r.config.clients} clients | **${r.contention.perSecond} checkouts/s** (${r.contention.seconds} s); ${statuses(r.contention)}; ${latency(r.contention)} |
| raw limit | ${r.rawLimit.transactions} transactions of the bare SQL: BEGIN, the checkout's conditional UPDATE of one hot row, COMMIT; ${r.config.clients} clients, pool of ${r.config.dbPoolMax} | **${r.rawLimit.perSecond} transactions/s** (${r.rawLimit.seconds} s); p50 ${r.rawLimit.latencyMs.p50} ms, p99 ${r.rawLimit.latencyMs.p99} ms |
| share of the raw limit | hot-product checkouts/s over raw transactions/s, same run (issue #24 target >= 50 %) | **${r.shareOfRawLimit} %** |
| sell-out | ${r.config.sellOut.checkouts} checkouts for ${r.config.sellOut.hotStock} units; ${r.config.clients} clients | **${r.sellOut.perSecond} checkouts/s** (${r.sellOut.seconds} s); ${statuses(r.sellOut)}; ${latency(r.sellOut)} |

Stock afterwards (read from the database):

- contention: ${stock(r.contention)}
- sell-out: ${stock(r.sellOut)}

**Oversells: ${r.oversells}** (units in orders beyond stock, rows violating the CHECK, or reserved != units in
PENDING orders).

## What the benchmark changed

The first version of the checkout locked the hot row at the start of the transaction and held it for about
ten statements; it was changed to write the order, items, history, emptied cart and events first and reserve
stock right before COMMIT. Its first run then answered 500 to all but one contended checkout: foreign-key
checks of \`order_item\` take KEY SHARE locks on the catalog rows, which conflict with \`FOR UPDATE\`, so two
checkouts deadlocked. Catalog rows are now locked \`FOR NO KEY UPDATE\` (the mode an UPDATE takes), which
does not conflict with KEY SHARE; the run above is after that fix.
`;
await writeFile(path.join(repoRoot, 'bench/results/orders.md'), markdown);

/**
 * Event backbone benchmark. One run measures, on this machine's real Postgres and NATS:
 *   1. raw JetStream publish throughput (pipelined publishes with PubAcks, ~500-byte messages);
 *   2. end-to-end throughput: producer -> outbox -> relay -> JetStream -> consumer -> inbox+handler, as
 *      (a) a burst: 20k events written as fast as possible, until all are handled, and
 *      (b) a steady offered rate (3,000 events/s for 10 s): does the pipeline keep up?
 *   3. end-to-end latency (occurredAt -> handled) at a fixed 500 events/s, one transaction per event.
 * As in production, the producing service (writes + its relay, this process) and the consuming service
 * (consumer-service.ts, a child process) are separate processes sharing the machine.
 * Run from the repo root after building: `pnpm exec tsx bench/events/run.ts`. To try other settings:
 * CB (consumer batch), CC (consumer lanes), RB (relay batch), BENCH_EVENTS_ONE_BY_ONE=1 (the consumer's
 * handler without handleMany: one insert per event); BENCH_EVENTS_CPU_PROF=<dir> profiles the consuming
 * process (summarise it with profile-summary.ts).
 * Uses its own schema and streams and removes them afterwards. Results: bench/results/events-<date>.json
 * and bench/results/events.md.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceProcessEnv } from '@cartwatch/common-types';
import { createDatabase, type Database, ensureSchema, newId, withTransaction } from '@cartwatch/db';
import {
  CONSUMER_DEFAULTS,
  connectNats,
  ensureStream,
  eventTablesV1,
  eventTablesV2,
  OutboxRelay,
  publish,
  publishMany,
} from '@cartwatch/events';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { type Kysely, sql } from 'kysely';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { processCpuSeconds } from '../cpu.js';
import { type BenchTables, benchEvent, type ConsumerServiceConfig } from './shared.js';

const config = {
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  raw: { messages: 20_000, payloadBytes: 500, inFlight: 1_000 },
  throughput: { events: 20_000, perTransaction: 100, producers: 4 },
  sustained: { ratePerSecond: 3_000, seconds: 10, perTransaction: 50 },
  latency: { ratePerSecond: 500, seconds: 20 },
  relay: { batchSize: Number(process.env.RB ?? 500) },
  consumer: {
    batchSize: Number(process.env.CB ?? CONSUMER_DEFAULTS.batchSize), // the consumer's default; CB=200 for the committed run
    concurrency: Number(process.env.CC ?? 4),
    // consumer-service.ts reads it too: its handler then has no handleMany (one insert per event).
    oneByOne: process.env.BENCH_EVENTS_ONE_BY_ONE === '1',
  },
  pool: { service: 10, producer: 10, consumer: 10 },
  timeoutMs: 180_000,
};

/** issue #24: end to end >= 30 % of the raw publish rate of the same run, p99 < 50 ms at 500 events/s. */
const targets = { ratioOfRaw: 0.3, latencyP99Ms: 50 };

const logger = pino({ level: 'warn' });
const id = randomBytes(4).toString('hex');
const schema = `bench_events_${id}`;
const stream = { name: `BENCH_EVENTS_${id.toUpperCase()}`, subjectPrefix: `bench_events_${id}` };
const rawStream = { name: `BENCH_RAW_${id.toUpperCase()}`, subjectPrefix: `bench_raw_${id}` };
const padding = 'x'.repeat(250); // envelope ~ 500 bytes, like the raw test
// Every event is about a user, as most of CartWatch's are: the consumer locks its user and checks the
// deletion tombstones (docs/architecture.md#events) for every batch.
const users = Array.from({ length: 1_000 }, () => newId());
const someUser = (): string => users[Math.floor(Math.random() * users.length)] ?? newId();

/** Starts the consuming service as its own process and waits until its consumer pulls. */
async function startConsumerService(config: ConsumerServiceConfig): Promise<ChildProcess> {
  // BENCH_EVENTS_CPU_PROF=<dir> writes a V8 CPU profile of the consuming process there (run this script
  // under `node --cpu-prof` to profile the producing side too).
  const profileDir = process.env.BENCH_EVENTS_CPU_PROF;
  const child = fork(
    fileURLToPath(new URL('./consumer-service.ts', import.meta.url)),
    [JSON.stringify(config)],
    {
      stdio: 'inherit',
      // The process settings every service ships with (the young-generation cap, the mmap threshold).
      env: {
        ...process.env,
        ...serviceProcessEnv,
        NODE_OPTIONS: [process.env.NODE_OPTIONS, serviceProcessEnv.NODE_OPTIONS].filter(Boolean).join(' '),
      },
      ...(profileDir ? { execArgv: [...process.execArgv, '--cpu-prof', '--cpu-prof-dir', profileDir] } : {}),
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('message', (message) =>
      message === 'ready' ? resolve() : reject(new Error(String(message))),
    );
    child.once('exit', (code) => reject(new Error(`consumer service exited with ${code}`)));
  });
  return child;
}

async function stopConsumerService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.send('stop');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const ROLE_NAMES: Record<string, string> = {
  'bench-events-service': "relay queries (+ this benchmark's progress counts)",
  'bench-events-producer': 'producer writes',
  'bench-events-consumer': 'consumer (inbox, locks, handler inserts)',
};

/**
 * Where the CPU goes: CPU seconds of each role's Postgres backends (found by application_name), of the
 * NATS server, of this process (producer + relay) and of the consuming process.
 */
async function cpuSnapshot(database: Database<BenchTables>, consumerPid: number | undefined) {
  const backends = await sql<{ pid: number; application_name: string }>`
    select pid, application_name from pg_stat_activity
    where application_name like 'bench-events-%' or application_name = ${`outbox-relay:${schema}`}`.execute(
    database.db,
  );
  const postgres: Record<string, Record<number, number>> = {};
  for (const { pid, application_name: name } of backends.rows) {
    const role =
      ROLE_NAMES[name] ?? (name.startsWith('outbox-relay') ? 'relay lock + LISTEN connection' : name);
    postgres[role] ??= {};
    postgres[role][pid] = processCpuSeconds(pid);
  }
  let natsServer = 0;
  try {
    const pid = Number(execFileSync('pgrep', ['-o', 'nats-server'], { encoding: 'utf8' }).trim());
    natsServer = processCpuSeconds(pid);
  } catch {
    // no pgrep or no local server: not counted
  }
  const self = process.cpuUsage();
  return {
    postgres,
    natsServer,
    producerAndRelayProcess: (self.user + self.system) / 1e6,
    consumerProcess: consumerPid === undefined ? 0 : processCpuSeconds(consumerPid),
  };
}

type CpuSnapshot = Awaited<ReturnType<typeof cpuSnapshot>>;

/** CPU seconds used between two snapshots, per component (a backend that appeared in between counts whole). */
function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, events: number) {
  const postgres: Record<string, number> = {};
  for (const [role, pids] of Object.entries(after.postgres)) {
    let used = 0;
    for (const [pid, seconds] of Object.entries(pids))
      used += seconds - (before.postgres[role]?.[Number(pid)] ?? 0);
    postgres[role] = round(used, 2);
  }
  const seconds = {
    postgresTotal: round(
      Object.values(postgres).reduce((sum, value) => sum + value, 0),
      2,
    ),
    natsServer: round(after.natsServer - before.natsServer, 2),
    producerAndRelayProcess: round(after.producerAndRelayProcess - before.producerAndRelayProcess, 2),
    consumerProcess: round(after.consumerProcess - before.consumerProcess, 2),
  };
  const total =
    seconds.postgresTotal + seconds.natsServer + seconds.producerAndRelayProcess + seconds.consumerProcess;
  return {
    seconds: { ...seconds, total: round(total, 2) },
    postgresByRole: postgres,
    microsecondsPerEvent: round((total * 1e6) / events, 0),
  };
}

async function appliedCount(database: Database<BenchTables>, phase: string): Promise<number> {
  const result = await sql<{ n: number }>`
    select count(*)::int as n from bench_applied where phase = ${phase}`.execute(database.db);
  return result.rows[0]?.n ?? 0;
}

/** 1. Raw JetStream: how fast can this machine store acknowledged messages at all? */
async function measureRawPublish(
  nc: NatsConnection,
  serviceDb: Database<BenchTables>,
  when: 'before' | 'after',
) {
  await ensureStream(nc, { name: rawStream.name, subjectPrefix: rawStream.subjectPrefix });
  await (await jetstreamManager(nc)).streams.purge(rawStream.name);
  const js = jetstream(nc);
  const payload = new Uint8Array(config.raw.payloadBytes).fill(120);
  const subject = `${rawStream.subjectPrefix}.bench.raw.v1`;
  const cpuBefore = await cpuSnapshot(serviceDb, undefined);
  const started = performance.now();
  let next = 0;
  // A window of publishes in flight, each awaited: what the relay does with its batches.
  const worker = async () => {
    while (next < config.raw.messages) {
      next += 1;
      await js.publish(subject, payload, { msgID: newId() });
    }
  };
  await Promise.all(Array.from({ length: config.raw.inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuBetween(cpuBefore, await cpuSnapshot(serviceDb, undefined), config.raw.messages);
  const info = await (await jetstreamManager(nc)).streams.info(rawStream.name);
  return {
    when,
    messages: config.raw.messages,
    payloadBytes: config.raw.payloadBytes,
    inFlight: config.raw.inFlight,
    seconds: round(seconds, 2),
    messagesPerSecond: Math.round(config.raw.messages / seconds),
    storedMessages: info.state.messages,
    cpu,
  };
}

/** 2. Sustained throughput: producers write batches as fast as they can; done when all are handled. */
async function measureThroughput(
  producerDb: Database<BenchTables>,
  serviceDb: Database<BenchTables>,
  consumerPid: number | undefined,
) {
  const { events, perTransaction, producers } = config.throughput;
  const batches = events / perTransaction;
  let nextBatch = 0;
  const cpuBefore = await cpuSnapshot(serviceDb, consumerPid);
  const started = performance.now();
  let producedAt = 0;
  const produce = async () => {
    while (nextBatch < batches) {
      nextBatch += 1;
      await withTransaction(producerDb.db, (trx) =>
        publishMany(
          trx,
          Array.from({ length: perTransaction }, () => ({
            definition: benchEvent,
            event: {
              source: 'orders' as const,
              userId: someUser(),
              data: { sampleId: newId(), phase: 'throughput' as const, padding },
            },
          })),
        ),
      );
    }
  };
  // Progress every 500 ms shows which stage lags: written (outbox), published (relay), handled (consumer).
  const timeline: Array<{ seconds: number; written: number; published: number; handled: number }> = [];
  let sampling: Promise<unknown> = Promise.resolve();
  const sampler = setInterval(() => {
    sampling = sql<{ written: number; published: number; handled: number }>`
      select (select count(*)::int from outbox) as written,
             (select count(*)::int from outbox where published_at is not null) as published,
             (select count(*)::int from bench_applied where phase = 'throughput') as handled`
      .execute(serviceDb.db)
      .then((result) => {
        const row = result.rows[0];
        if (row) timeline.push({ seconds: round((performance.now() - started) / 1000, 2), ...row });
      });
  }, 500);
  await Promise.all(Array.from({ length: producers }, produce));
  producedAt = performance.now();
  try {
    await waitUntil(
      async () => (await appliedCount(serviceDb, 'throughput')) >= events,
      config.timeoutMs,
      'throughput',
    );
  } finally {
    clearInterval(sampler);
    await sampling;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuBetween(cpuBefore, await cpuSnapshot(serviceDb, consumerPid), events);
  // The consumer's transactions: an inbox row's received_at is now(), its transaction's start.
  const transactions = await sql<{ n: number }>`
    select count(distinct received_at)::int as n from inbox
    where event_id in (select event_id from bench_applied where phase = 'throughput')`.execute(serviceDb.db);
  const consumerTransactions = transactions.rows[0]?.n ?? 0;
  return {
    events,
    perTransaction,
    producers,
    consumerTransactions,
    meanConsumerBatch: round(events / Math.max(1, consumerTransactions), 1),
    producerSeconds: round((producedAt - started) / 1000, 2),
    producerEventsPerSecond: Math.round(events / ((producedAt - started) / 1000)),
    seconds: round(seconds, 2),
    eventsPerSecond: Math.round(events / seconds),
    cpu,
    timeline,
  };
}

/** 2b. A steady offered rate: the pipeline keeps up when the backlog stays small and drains at once. */
async function measureSustained(producerDb: Database<BenchTables>, serviceDb: Database<BenchTables>) {
  const { ratePerSecond, seconds, perTransaction } = config.sustained;
  const total = ratePerSecond * seconds;
  const transactions = total / perTransaction;
  const intervalMs = (1000 * perTransaction) / ratePerSecond;
  const inFlight = new Set<Promise<unknown>>();
  let maxBacklog = 0;
  let sampling: Promise<unknown> = Promise.resolve();
  const sampler = setInterval(() => {
    sampling = Promise.all([
      sql<{ n: number }>`select count(*)::int as n from outbox`.execute(serviceDb.db),
      appliedCount(serviceDb, 'sustained'),
    ]).then(([written, handled]) => {
      const before = config.throughput.events;
      maxBacklog = Math.max(maxBacklog, (written.rows[0]?.n ?? before) - before - handled);
    });
  }, 250);
  const started = performance.now();
  for (let index = 0; index < transactions; index += 1) {
    const wait = started + index * intervalMs - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const write = withTransaction(producerDb.db, (trx) =>
      publishMany(
        trx,
        Array.from({ length: perTransaction }, () => ({
          definition: benchEvent,
          event: {
            source: 'orders' as const,
            userId: someUser(),
            data: { sampleId: newId(), phase: 'sustained' as const, padding },
          },
        })),
      ),
    ).finally(() => inFlight.delete(write));
    inFlight.add(write);
  }
  await Promise.all(inFlight);
  const producedAt = performance.now();
  try {
    await waitUntil(
      async () => (await appliedCount(serviceDb, 'sustained')) >= total,
      config.timeoutMs,
      'sustained',
    );
  } finally {
    clearInterval(sampler);
    await sampling;
  }
  const doneAt = performance.now();
  return {
    events: total,
    offeredRatePerSecond: ratePerSecond,
    writtenRatePerSecond: Math.round(total / ((producedAt - started) / 1000)),
    handledRatePerSecond: Math.round(total / ((doneAt - started) / 1000)),
    drainAfterLastWriteMs: Math.round(doneAt - producedAt),
    maxBacklog,
  };
}

/**
 * What a NOTIFY costs a committing transaction: Postgres (15) takes a database-wide lock for NOTIFY at
 * commit and holds it through the commit's WAL flush, so transactions that notify commit one at a time.
 * Measured as single-insert transactions on 10 connections, with and without `pg_notify`, alternating.
 */
async function measureNotifyCost(database: Database<BenchTables>) {
  await sql`create table bench_notify_probe (id bigserial primary key, v text not null)`.execute(database.db);
  const transactions = 2_000;
  const run = async (notify: boolean) => {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < transactions) {
          next += 1;
          await withTransaction(database.db, async (trx) => {
            await sql`insert into bench_notify_probe (v) values ('x')`.execute(trx);
            if (notify) await sql`select pg_notify(${`bench_probe_${id}`}, '')`.execute(trx);
          });
        }
      }),
    );
    return Math.round(transactions / ((performance.now() - started) / 1000));
  };
  const withoutNotify: number[] = [];
  const withNotify: number[] = [];
  for (let round = 0; round < 3; round += 1) {
    withoutNotify.push(await run(false));
    withNotify.push(await run(true));
  }
  return { transactionsPerRun: transactions, connections: 10, withoutNotify, withNotify };
}

/** Every written event applied exactly once: outbox rows = inbox rows = applied rows, and no dead letters. */
async function checkIntegrity(nc: NatsConnection, serviceDb: Database<BenchTables>) {
  const counts = await sql<{ written: number; inbox: number; applied: number }>`
    select (select count(*)::int from outbox) as written,
           (select count(*)::int from inbox) as inbox,
           (select count(*)::int from bench_applied) as applied`.execute(serviceDb.db);
  const info = await (await jetstreamManager(nc)).streams.info(stream.name, {
    subjects_filter: `${stream.subjectPrefix}.dlq.>`,
  });
  const deadLetters = Object.values(info.state.subjects ?? {}).reduce((sum, count) => sum + count, 0);
  const row = counts.rows[0] ?? { written: -1, inbox: -1, applied: -1 };
  return {
    ...row,
    deadLetters,
    exactlyOnce: row.written === row.applied && row.inbox === row.applied && deadLetters === 0,
  };
}

/** 3. Latency at a fixed rate, each event in its own transaction (as an API request would write it). */
async function measureLatency(producerDb: Database<BenchTables>, serviceDb: Database<BenchTables>) {
  const { ratePerSecond, seconds } = config.latency;
  const total = ratePerSecond * seconds;
  const intervalMs = 1000 / ratePerSecond;
  const inFlight = new Set<Promise<unknown>>();
  const started = performance.now();
  let lateStarts = 0;
  // A write that fails (on an overloaded machine: no pool connection within its timeout) is counted,
  // not fatal; the phase then reports it and misses its target.
  let failedWrites = 0;
  for (let index = 0; index < total; index += 1) {
    const due = started + index * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    else if (wait < -intervalMs) lateStarts += 1;
    const write = withTransaction(producerDb.db, (trx) =>
      publish(trx, benchEvent, {
        source: 'orders',
        userId: someUser(),
        data: { sampleId: newId(), phase: 'latency', padding },
      }),
    )
      .catch(() => {
        failedWrites += 1;
      })
      .finally(() => inFlight.delete(write));
    inFlight.add(write);
  }
  await Promise.all(inFlight);
  const producedSeconds = (performance.now() - started) / 1000;
  await waitUntil(
    async () => (await appliedCount(serviceDb, 'latency')) >= total - failedWrites,
    config.timeoutMs,
    'latency',
  );
  const result = await sql<{ ms: number }>`
    select extract(epoch from (handled_at - occurred_at)) * 1000 as ms
    from bench_applied where phase = 'latency' order by 1`.execute(serviceDb.db);
  const samples = result.rows.map((row) => Number(row.ms));
  return {
    events: total,
    targetRatePerSecond: ratePerSecond,
    achievedRatePerSecond: Math.round(total / producedSeconds),
    lateStarts,
    failedWrites,
    p50Ms: round(percentile(samples, 50)),
    p95Ms: round(percentile(samples, 95)),
    p99Ms: round(percentile(samples, 99)),
    maxMs: round(samples.at(-1) ?? Number.NaN),
  };
}

async function machineInfo(nc: NatsConnection, database: Database<BenchTables>) {
  const pgVersion = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(
    database.db,
  );
  let nproc = os.availableParallelism();
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    // os.availableParallelism() is the fallback
  }
  return {
    nproc,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    nats: nc.info?.version ?? 'unknown',
    postgres: pgVersion.rows[0]?.v ?? 'unknown',
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage1m: round(os.loadavg()[0] ?? 0, 2),
  };
}

function cpuRows(cpu: ReturnType<typeof cpuBetween>, events: number): string {
  const perEvent = (seconds: number) => Math.round((seconds * 1e6) / events);
  const rows: Array<[string, number]> = [
    ['consuming process (Node)', cpu.seconds.consumerProcess],
    ...Object.entries(cpu.postgresByRole).map(([role, seconds]): [string, number] => [
      `Postgres backends: ${role}`,
      seconds,
    ]),
    ['producing process (Node: producer + relay)', cpu.seconds.producerAndRelayProcess],
    ['NATS server', cpu.seconds.natsServer],
    ['total', cpu.seconds.total],
  ];
  return rows.map(([name, seconds]) => `| ${name} | ${seconds} | ${perEvent(seconds)} |`).join('\n');
}

function markdown(results: Awaited<ReturnType<typeof runBenchmark>>): string {
  const { machine, raw, throughput, sustained, latency, integrity, targets } = results;
  const mark = (ok: boolean) => (ok ? 'met' : '**missed**');
  return `# Event backbone benchmark

Last run: ${results.date} (\`pnpm exec tsx bench/events/run.ts\`, raw JSON in \`${results.jsonFile}\`).

Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, ${machine.platform};
Node ${machine.node}, NATS ${machine.nats} (JetStream, file storage), PostgreSQL ${machine.postgres}.
Everything (Postgres, NATS, producer, relay, consumer) shares these CPUs; the 1-minute load average was
${machine.loadAverage1m} when the run started (other work on the machine makes the figures vary between runs).

| measurement | result | target |
|---|---|---|
| raw JetStream publish, ${raw.messages} x ${raw.payloadBytes} B, ${raw.inFlight} in flight (the faster of two runs, before and after the burst: ${results.rawRuns.map((run) => run.messagesPerSecond).join(' and ')} msg/s) | **${raw.messagesPerSecond} msg/s** (${raw.seconds} s) | - |
| end to end, ${throughput.events} events (producer batches of ${throughput.perTransaction}, ${throughput.producers} producers) | **${throughput.eventsPerSecond} events/s** (${throughput.seconds} s; producer alone ${throughput.producerEventsPerSecond}/s; ${throughput.consumerTransactions} consumer transactions, ${throughput.meanConsumerBatch} events each) = **${Math.round(results.ratioOfRaw * 1000) / 10} %** of raw publish | >= ${targets.ratioOfRaw * 100} % of raw publish: ${mark(targets.ratioMet)} |
| end to end at a steady ${sustained.offeredRatePerSecond} events/s for ${sustained.events / sustained.offeredRatePerSecond} s (batches of ${results.config.sustained.perTransaction}) | handled **${sustained.handledRatePerSecond} events/s**; last event handled ${sustained.drainAfterLastWriteMs} ms after the last write; max backlog ${sustained.maxBacklog} | keeps up: ${mark(sustained.drainAfterLastWriteMs < 2_000)} |
| latency at ${latency.targetRatePerSecond} events/s for ${latency.events / latency.targetRatePerSecond} s (one transaction per event) | p50 **${latency.p50Ms} ms**, p95 **${latency.p95Ms} ms**, p99 **${latency.p99Ms} ms**, max ${latency.maxMs} ms | p99 < ${targets.latencyP99Ms} ms: ${mark(targets.latencyMet)} |

Exactly-once check over all phases: ${integrity.written} events written, ${integrity.inbox} inbox rows,
${integrity.applied} applied rows (primary key on the event id), ${integrity.deadLetters} dead letters:
${integrity.exactlyOnce ? 'each event applied exactly once' : '**MISMATCH**'}.

Every event carries a \`userId\` (one of 1,000), as most CartWatch events do, so each consumer batch
also locks its users and reads their deletion tombstones (docs/architecture.md#events).
Settings: relay batch ${results.config.relay.batchSize} rows (pipelined publishes, the PubAcks collected by one subscription),
consumer batch <= ${results.config.consumer.batchSize} messages per transaction (no savepoints unless a handler fails) in
${results.config.consumer.concurrency} parallel lanes; the handler writes one row per event, through \`handleMany\` one multi-row
insert per run of events (${results.config.consumer.oneByOne ? '**turned off for this run** (`BENCH_EVENTS_ONE_BY_ONE=1`): one insert per event' : '`BENCH_EVENTS_ONE_BY_ONE=1` turns it off'}). Processes: the producing service (this script: producer writes on a pool of
${results.config.pool.producer}, relay on a pool of ${results.config.pool.service}) and the consuming service (a child process,
pool of ${results.config.pool.consumer}, run with the process settings every service ships with, \`serviceProcessEnv\`),
all on the same machine as Postgres and NATS.
Latency is \`handled_at\` (clock_timestamp() of the handler's insert) minus the envelope's \`occurredAt\`
(taken just before the producing transaction), so it includes the producer's commit, the NOTIFY wake-up,
the relay round, JetStream, and the consumer's batch up to the handler's write (not its commit).

## Where the CPU goes (this run)

CPU seconds (user + system, from \`/proc/<pid>/stat\`) used during the ${throughput.events}-event burst, by
process; Postgres backends are found by their \`application_name\`. The raw publish needs
**${raw.cpu.microsecondsPerEvent} us of CPU per message** (NATS server ${raw.cpu.seconds.natsServer} s, publishing client
${raw.cpu.seconds.producerAndRelayProcess} s for ${raw.messages} messages); end to end needs
**${throughput.cpu.microsecondsPerEvent} us per event**:

| component | CPU s | us per event |
|---|---|---|
${cpuRows(throughput.cpu, throughput.events)}

The raw run kept ${round(raw.cpu.seconds.total / raw.seconds, 2)} CPUs busy, end to end ${round(throughput.cpu.seconds.total / throughput.seconds, 2)}.
Ceiling: with both CPUs doing nothing else, ${machine.nproc} CPUs / ${throughput.cpu.microsecondsPerEvent} us = ${Math.round((machine.nproc * 1e6) / throughput.cpu.microsecondsPerEvent)} events/s
= ${Math.round((1000 * (machine.nproc * 1e6)) / throughput.cpu.microsecondsPerEvent / raw.messagesPerSecond) / 10} % of this run's raw rate; 30 % (${Math.round(0.3 * raw.messagesPerSecond)} events/s) needs at most
${Math.round((machine.nproc * 1e6) / (0.3 * raw.messagesPerSecond))} us of CPU per event, all components together.

Commit rate of single-insert transactions on 10 connections, without / with a \`pg_notify\` (alternating
runs of ${results.notifyCost.transactionsPerRun}): ${results.notifyCost.withoutNotify.join(', ')} / ${results.notifyCost.withNotify.join(', ')} transactions/s.
PostgreSQL 15 takes a database-wide lock for NOTIFY at commit and holds it through the WAL flush, so every
transaction that writes an event commits one at a time, across all services sharing the database.

## What profiling changed (2026-12-08)

Profiles: \`BENCH_EVENTS_CPU_PROF=<dir> pnpm exec tsx --cpu-prof --cpu-prof-dir <dir2> bench/events/run.ts\`,
summarised for the burst only with \`pnpm exec tsx bench/profile-summary.ts <dir> --timeline\` then
\`--from <s> --to <s>\` (self time by function and by package). Before this round, in the burst (the
same code as the round before; today's baseline run: **393 us per event**, 12.4 % of raw at load 5.9):

- consuming process: 30 % \`writev\`, i.e. pg sending an extended-protocol query (Parse/Bind/Execute in one
  corked write), one per event for the handler's own insert; 7 % \`writeBuffer\` (NATS ack flushes, BEGIN,
  COMMIT); kysely 9.7 % (compiling that insert, per event); GC 8 %; nats.js 8.7 %; zod 1.4 %; prom-client
  0.5 %, pino nothing;
- producing process: nats.js 22 %, of which 9.3 % constructing \`RequestError("cancelled")\` with its stack
  trace after every PubAck (\`RequestOne.cancel\`, \`js.publish\` is a request per message, even with
  \`noAsyncTraces\`), plus the request's mux entry, timer and promise; GC 11.6 %; zod 2.3 %.

The profiler samples wall time while the event loop is not idle: a socket write that wakes Postgres or NATS
on these 2 vCPUs is often preempted by the process it woke, so the write functions' share is mostly time
off the CPU (the consumer's profile counted 3.2 s busy in the burst while /proc counted 1.83 s of CPU).
Their count is what costs: every write is a context switch to another process and back.

Changes, in the order they paid off:

1. **Handlers may take consecutive events at once (\`handleMany\`).** On a batch's fast path, each run of
   two or more consecutive events of one handler goes to its \`handleMany(trx, events)\` in delivery order;
   the benchmark's handler writes them with one multi-row insert. A \`user.deleted\` is still handled
   alone and flushes the run before it, so tombstones are checked as before; if \`handleMany\` throws, the
   batch is rolled back and applied one event per savepoint through \`handle\` (packages/events/README.md,
   "A batch"; tests in packages/events/test/event-consumer.test.ts). Consuming process **150 -> 84 us**,
   its Postgres backends **84 -> 31 us** per event (393 -> 267 us in total, same load). The consumer now
   sends 5 statements per batch (begin, user locks, inbox claim + tombstones, the handler's insert,
   commit): 416-423 transactions of ~48 events in the burst, with batches of at most 50 then.
2. **Relay: one subscription collects a round's PubAcks.** Every row of a round is published with
   \`Nats-Msg-Id\` and a reply subject \`<inbox>.<n>\` of one long-lived wildcard subscription, with one
   timer for the round (packages/events/src/pipelined-publish.ts); the acknowledged prefix is marked as
   before. No request objects, timers or \`RequestError\`s per row. Producing process **66 -> 45 us** per
   event (267 -> 206 us in total). The producer's outbox insert also skips Kysely's per-row \`sql\`
   templates now (a cached statement text per row count; kysely was 7 % of the producing process); its
   effect is within the noise of these runs.
3. **Consumer batches of up to 200 by default (were 50).** With one handler statement per batch, the
   per-batch statements and the ack flush are most of what the consumer pays per event, so larger batches
   pay off now (the round before measured 200 as no better, with one insert per event). Paired runs at load
   3.6-5.2 (us per event, ratio): batches of 50: 207 us (22.1 %), 190 us (21.9 %); 100: 182 us (21.5 %), 174 us
   (23.9 %); 200: 173 us (23.8 %), 172 us (26.5 %). The isolated path still uses transactions of at most 50
   (subtransaction cache). A batch holds an advisory lock per user until commit: 4 lanes x 200 per consumer
   replica must fit Postgres' lock table (64 x \`max_connections\` = 25,600 entries as deployed;
   packages/events/README.md, "A batch"). In the final runs: 149-210 transactions of 95-134 events.
4. Looked at and left: zod (2-5 % of either process; it is the validation on publish and receipt), pino
   (not in the profile), JSON (one parse per message on receipt, one stringify on publish; the relay sends
   the stored text), per-event metrics (prom-client 0.4 %), kysely in the backbone's own statements (sql
   templates, compiled once per batch; over half of kysely's 7.5 % in the consumer now is the
   benchmark handler's 50-row insert). Acking a batch with one ack (\`ack_policy: all\`) is not safe here: an ack
   acknowledges every earlier message of the durable, including those of the other lanes still in flight
   and those nak'ed for a later retry, which would be lost; and \`ack_policy\` of an existing durable cannot
   be changed.

After changes 1 and 2, in the burst (profiled, batches of at most 50): the consuming process's top self time is the socket
writes (16 % \`writev\`, 16 % \`writeBuffer\`, per batch now), GC 8 %, then nothing above 2.2 % (\`msg.json\`
2.2 %, pg array parameters 1.6 %, JetStream's delivery-info parse 1.6 %; by package nats.js 11 %, kysely
7.5 %, pg 8.9 %, zod 2.8 %); the producing process's: socket writes 28 %, GC 7.8 %, the publish loop 4.9 %,
UTF-8 encoding of payloads 5.6 %, zod 5.2 % (envelope validation), kysely 7.1 % (the 100-row outbox
insert), nats.js 5.2 %. What is left is spread over per-message work: no single function dominates.

Runs of this round (load average 3-17, other work on the machine; us of CPU per event in the burst, ratio to
the raw publish of the same run): baseline 393 us, 12.4 %; with \`handleMany\` 267 us, 14.7 %; with the relay
change too 188-228 us, 20.0-25.7 % (5 runs); the same code without \`handleMany\`
(\`BENCH_EVENTS_ONE_BY_ONE=1\`, load 16.9): 335 us, 13.3 %; the final code (batches of 200): **164 us, 22.0 %**
(load 4.0; 10,586 events/s against 48,012 msg/s raw) and **174 us, 19.2 %** (load 3.5; other work took the
CPUs during that burst, which kept only 0.89 CPUs busy: 5,114 events/s against 26,574 msg/s). p99 at 500
events/s: 24.0 and 19.0 ms in the final runs, 14.3-343 ms over all runs of the round with the load
(273.6 ms in the baseline run at load 5.9); the latency phase writes one event per transaction, so its
consumer batches hold one event each and neither \`handleMany\` nor the batch size changes it.
After the merge with the checkout round (the outbox insert and the relay's wake-up one statement), on a
quieter machine (load 2-5): **156 us, 27.0 %** (11,833 events/s against 43,791 msg/s raw, p99 16.3 ms at
500/s); then with the consuming service run with the process settings every service ships with
(\`serviceProcessEnv\`: \`--max-semi-space-size=4\`, the mmap threshold): **145 us, 23.6 %** (12,233
events/s, the most of any run, against a raw publish of 51,768 msg/s, whose two runs in that one benchmark
were 37,266 and 51,768), p99 16.6 ms. The ratio moves with the raw rate more than with the code: at 145-156
us per event both CPUs cap end to end at 12,800-13,800 events/s, which is 30 % of a raw rate of
43,000-46,000 msg/s and short of it above that. Where the last microseconds are is spread as above:
consuming process 46-48, producing process 35-37, NATS 22-28, the consumer's Postgres 16-17, producer
writes 16, relay queries 12.
No \`pg_stat_statements\`: it needs \`shared_preload_libraries\` and a restart of the shared Postgres; the
per-backend CPU above splits Postgres by role instead.

## The round before (2026-12-07)

Before it (same machine, load average 7.4, events without \`userId\`): raw publish
24,664 msg/s, end to end 1,820 events/s = **7.4 %**, p99 116.7 ms at 500 events/s. The issue's quiet-machine
figures were 4,137 events/s = 12 %. Changes, in the order they paid off:

1. **Relay: the next batch is read by walking the index.** Timing the relay's rounds showed the select
   taking 100-250 ms per 500 rows at the start of a burst. \`EXPLAIN ANALYZE\`: with statistics that say
   "few rows unpublished" (a fresh table, or any table whose statistics predate the burst), Postgres chose
   a bitmap scan of the whole backlog, converted every payload to text and sorted all of them to keep
   500: 88 ms per round at 20,000 unpublished rows, growing with the backlog. With bitmap and sequential
   scans turned off for that one select (\`set local\`, same simple-protocol query, one round trip) it is an
   index scan of 500 entries: 0.8 ms. The relay alone (20,000 rows waiting, no consumer) went from
   4,100-5,400 to 9,500-13,700 rows/s.
2. **Consumer: no savepoints on the fast path.** A batch runs in one transaction without savepoints; only
   when a handler throws is it rolled back and run again with one savepoint per message (the failed
   handler is not called twice for one delivery). Two round trips per message became one (the handler's
   own query). The per-batch statements went from begin, claim, lock, tombstones, commit to begin, lock,
   claim + tombstones (one statement), commit.
3. **Writers skip the NOTIFY while the relay is awake.** PostgreSQL 15 holds a database-wide lock from a
   NOTIFY's commit through its WAL flush (the commit rates above). The relay now stays awake while busy
   (polls every 5 ms, for 100 ms after its last rows) and holds an advisory lock that tells writers so;
   a second advisory lock keeps it from falling asleep while a write that skipped its NOTIFY is
   uncommitted (packages/events/README.md, "Relay wake-ups"). The latency phase writes 500 single-event
   transactions/s, each of which notified before; p99 at 500 events/s went from 113-150 ms (load average
   12-20) to 36-48 ms (load average 9-13) over the runs of this round; the load was lower too, so these
   runs do not separate the two effects.
4. Measured and not kept: consumer batches of 200 instead of 50 (CPU per event unchanged: 397 vs 389 us),
   and 2 lanes instead of 4 (slower).

Its profile, after its changes: 39 % of the consuming process's busy time was pg's \`Query.submit\` (one
socket write per query; the handler's own insert per event was the floor), ~3 % of the producing process
nats.js's \`RequestError\`s.

**Why 30 % is out of reach here.** The table above is the measured split: each event costs a Postgres
insert and a share of a commit in the producer, a select and an update in the relay, an inbox row, a user
lock, a tombstone lookup and a share of the handler's insert in the consumer, two JetStream hops with an ack
each, and the per-message work of two Node processes (decode, validate, route to a lane, ack; build,
validate and encode on the other side); raw publish is one client and the NATS server. At
~${throughput.cpu.microsecondsPerEvent} us of CPU per event the two CPUs cap end to end at ~${Math.round((machine.nproc * 1e6) / throughput.cpu.microsecondsPerEvent)} events/s; at the CPU the burst
actually kept busy in this run (${round(throughput.cpu.seconds.total / throughput.seconds, 2)} CPUs), 30 % of the raw rate needs
~${Math.round(((throughput.cpu.seconds.total / throughput.seconds) * 1e6) / (0.3 * raw.messagesPerSecond))} us per event. Against a quiet machine's raw rate (41,150 msg/s on 2026-12-07) 30 % needs at most 162 us per event with both
CPUs to itself, about what the burst now costs (164-174 us), but the burst keeps only ~1.7 of the 2 CPUs
busy (its stages wait on each other's round trips and commits), and today's raw rate reached 48,012 msg/s,
against which 30 % needs 139 us. After this round no component is a single hot spot: the per-batch costs are
spread over ~100-135 events, and what is left per event is the NATS server's share (publish, store, deliver,
ack), the Postgres rows every event needs (outbox row written, read and marked; inbox row; the handler's
row) and per-message JavaScript spread thinly across nats.js, pg, kysely, zod and GC (profile above).
Left alone: the relay's mark is an update of 500 rows that also changes the partial index's predicate, so
no update is HOT (new entries in all three outbox indexes per row); the relay reads the payload as
\`jsonb\` converted back to text; and services' handlers do not have \`handleMany\` yet (without it, a
consumer costs one statement per event: 335 us per event in the \`BENCH_EVENTS_ONE_BY_ONE=1\` run above).
`;
}

async function runBenchmark() {
  const nc = await connectNats({ servers: config.natsUrl, name: 'bench-events' });
  const serviceDb = createDatabase<BenchTables>({
    connectionString: config.databaseUrl,
    schema,
    max: config.pool.service,
    applicationName: 'bench-events-service',
  });
  const producerDb = createDatabase<BenchTables>({
    connectionString: config.databaseUrl,
    schema,
    max: config.pool.producer,
    applicationName: 'bench-events-producer',
  });
  let relay: OutboxRelay | undefined;
  let consumerService: ChildProcess | undefined;
  try {
    // The schema helpers take a database of any tables.
    const setupDb = serviceDb.db as unknown as Kysely<unknown>;
    await ensureSchema(setupDb, schema);
    await eventTablesV1.up(setupDb);
    await eventTablesV2.up(setupDb);
    await sql`
      create table bench_applied (
        event_id uuid primary key,
        phase text not null,
        occurred_at timestamptz not null,
        handled_at timestamptz not null default clock_timestamp()
      )`.execute(serviceDb.db);
    const machine = await machineInfo(nc, serviceDb);
    console.log('machine', machine);

    const rawBefore = await measureRawPublish(nc, serviceDb, 'before');
    console.log('raw JetStream publish', rawBefore);

    await ensureStream(nc, { name: stream.name, subjectPrefix: stream.subjectPrefix });
    relay = new OutboxRelay({
      database: serviceDb,
      nc,
      logger,
      subjectPrefix: stream.subjectPrefix,
      batchSize: config.relay.batchSize,
      registry: new Registry(),
    });
    relay.start();
    consumerService = await startConsumerService({
      databaseUrl: config.databaseUrl,
      natsUrl: config.natsUrl,
      schema,
      streamName: stream.name,
      subjectPrefix: stream.subjectPrefix,
      batchSize: config.consumer.batchSize,
      concurrency: config.consumer.concurrency,
      poolSize: config.pool.consumer,
    });

    const throughput = await measureThroughput(producerDb, serviceDb, consumerService.pid);
    console.log('end-to-end throughput', { ...throughput, timeline: undefined });
    console.log('  cpu', JSON.stringify(throughput.cpu));
    for (const point of throughput.timeline) console.log('  ', JSON.stringify(point));
    // Raw publish again right after the end-to-end burst: the ratio uses the faster of the two, so a
    // moment of other load on the machine during one raw measurement does not flatter the ratio.
    const rawAfter = await measureRawPublish(nc, serviceDb, 'after');
    console.log('raw JetStream publish', rawAfter);
    const raw = rawAfter.messagesPerSecond > rawBefore.messagesPerSecond ? rawAfter : rawBefore;
    const sustained = await measureSustained(producerDb, serviceDb);
    console.log('end-to-end sustained rate', sustained);
    const latency = await measureLatency(producerDb, serviceDb);
    console.log('end-to-end latency', latency);
    const integrity = await checkIntegrity(nc, serviceDb);
    const notifyCost = await measureNotifyCost(serviceDb);
    console.log('commit rate without / with NOTIFY', notifyCost);
    console.log('end to end / raw publish', round(throughput.eventsPerSecond / raw.messagesPerSecond, 3));
    console.log('integrity', integrity);

    const date = new Date().toISOString();
    const jsonFile = `bench/results/events-${date.slice(0, 10)}.json`;
    // The ratio to raw publish measured in the same run is what counts: the machine's speed varies
    // with other work, both figures move with it.
    const ratioOfRaw = throughput.eventsPerSecond / raw.messagesPerSecond;
    return {
      date,
      jsonFile,
      machine,
      config,
      raw,
      rawRuns: [rawBefore, rawAfter],
      throughput,
      ratioOfRaw: round(ratioOfRaw, 3),
      sustained,
      latency,
      integrity,
      notifyCost,
      targets: {
        ...targets,
        ratioMet: ratioOfRaw >= targets.ratioOfRaw,
        latencyMet: latency.p99Ms < targets.latencyP99Ms && latency.failedWrites === 0,
      },
    };
  } finally {
    if (consumerService) await stopConsumerService(consumerService);
    await relay?.stop().catch((error: unknown) => console.error('stopping relay', error));
    const jsm = await jetstreamManager(nc);
    for (const name of [stream.name, rawStream.name]) await jsm.streams.delete(name).catch(() => false);
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(serviceDb.db).catch(() => {});
    await producerDb.close();
    await serviceDb.close();
    await nc.close();
  }
}

const results = await runBenchmark();
const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');
await mkdir(resultsDir, { recursive: true });
await writeFile(
  path.join(resultsDir, path.basename(results.jsonFile)),
  `${JSON.stringify(results, null, 2)}\n`,
);
await writeFile(path.join(resultsDir, 'events.md'), markdown(results));
console.log(`wrote ${results.jsonFile} and bench/results/events.md`);
if (!results.targets.ratioMet || !results.targets.latencyMet || !results.integrity.exactlyOnce) {
  process.exitCode = 1;
}

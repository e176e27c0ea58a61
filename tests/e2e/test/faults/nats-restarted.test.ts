/**
 * Fault: the NATS server crashes under load and comes back. The platform runs on a nats-server of the
 * test's own (JetStream, file storage in a temporary directory); receipts are imported through the
 * gateway in a steady loop while the server is SIGKILLed, stays down for a few seconds and is started
 * again on the same port and store. No service is restarted: they must reconnect on their own.
 *
 * SIGKILL rather than SIGTERM: a clean shutdown lets nats-server write its stream index and every
 * consumer's ack state, and tells the clients it is going. A crash does neither: the file store is
 * recovered from the message blocks on restart, consumer ack floors written a moment before the crash may
 * be behind (messages price-watch already applied are redelivered and must be recognised by the inbox),
 * and clients only notice the dead socket. The messages themselves survive: the file store writes each one
 * to the kernel before it sends the PubAck, and a killed process does not lose what the kernel holds.
 *
 * Counted at the end, in SQL on the platform's database: every imported line is matched and observed
 * exactly once; every event of the chain (purchase.recorded, product.matched, price.observed) is published
 * (no outbox row left) and applied once by each of its consumers (inbox); the stream holds each event once.
 * Then a price hike reaches, as an alert, the SSE stream the shopper opened before the crash, and every
 * service (the same processes) reports NATS connected again. `/ready` stays 200 throughout: readiness
 * means "can serve", NATS health is the `cartwatch_nats_connected` gauge (docs/deploy.md).
 */
import { type ServiceName, serviceNames } from '@cartwatch/common-types';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStream } from '../../src/event-stream.js';
import { eventually } from '../../src/eventually.js';
import { GatewayClient, type Session } from '../../src/gateway-client.js';
import { OwnNatsServer } from '../../src/own-nats-server.js';
import { Platform } from '../../src/platform.js';
import { createLoadStore, ingestCounts, platformDatabase, receiptLoad } from '../../src/receipt-load.js';

/** Receipts available to the load loop; it stops well before when the phases are done. */
const RECEIPT_POOL = 400;
const LINES_PER_RECEIPT = 10;
/** Receipts per `POST /receipts/batch` (20 lines). */
const BATCH_RECEIPTS = 2;
/** Pause between two batches: a steady load that leaves the 2-core machine room to consume it. */
const PACE_MS = 250;
/** How long NATS stays down at least, with the load going on. */
const DOWN_MS = 5_000;
/** Batches that must be answered in each phase. */
const MIN_BATCHES = { before: 2, down: 4, after: 2 } as const;

type Phase = 'before' | 'down' | 'after';

interface BatchOutcome {
  phase: Phase;
  status: number;
  lines: number;
  purchaseIds: string[];
  /** Error code of a non-2xx answer (the documented JSON error shape), or what went wrong. */
  error?: string;
}

/** Imports batches of the pool through the gateway until stopped (or the pool is used up). */
class LoadLoop {
  readonly outcomes: BatchOutcome[] = [];
  phase: Phase = 'before';
  #next = 0;
  #stopping = false;
  readonly done: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly shopper: Session,
    private readonly receipts: readonly unknown[],
  ) {
    this.done = this.#run();
  }

  answered(phase: Phase): number {
    return this.outcomes.filter((outcome) => outcome.phase === phase).length;
  }

  get exhausted(): boolean {
    return this.#next >= this.receipts.length;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.done;
  }

  async #run(): Promise<void> {
    while (!this.#stopping && !this.exhausted) {
      const phase = this.phase;
      const batch = this.receipts.slice(this.#next, this.#next + BATCH_RECEIPTS);
      this.#next += batch.length;
      this.outcomes.push({ phase, ...(await this.#import(batch)) });
      await new Promise((resolve) => setTimeout(resolve, PACE_MS));
    }
  }

  async #import(batch: readonly unknown[]): Promise<Omit<BatchOutcome, 'phase'>> {
    const response = await fetch(`${this.url}/receipts/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.shopper.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ receipts: batch }),
      signal: AbortSignal.timeout(30_000),
    }).catch((error: unknown) => error as Error);
    if (response instanceof Error) return { status: 0, lines: 0, purchaseIds: [], error: response.message };
    const json = (await response.json().catch(() => undefined)) as
      | { purchases?: Array<{ id: string; created: boolean }>; error?: { code?: string } }
      | undefined;
    if (response.status !== 200 || !json?.purchases) {
      const type = response.headers.get('content-type') ?? 'no content-type';
      return {
        status: response.status,
        lines: 0,
        purchaseIds: [],
        error: `${json?.error?.code ?? 'no JSON error'} (${type})`,
      };
    }
    return {
      status: 200,
      lines: batch.length * LINES_PER_RECEIPT,
      purchaseIds: json.purchases.filter((purchase) => purchase.created).map((purchase) => purchase.id),
    };
  }
}

/** Each event type of the chain, who writes it (schema) and which consumers apply it (inbox schema). */
const chain = [
  {
    type: 'purchase.recorded.v1',
    outbox: 'ingest',
    consumers: [
      ['price-watch', 'pricing'],
      ['coupon', 'coupon'],
    ],
  },
  {
    type: 'product.matched.v1',
    outbox: 'pricing',
    consumers: [
      ['receipt-ingest', 'ingest'],
      ['coupon', 'coupon'],
    ],
  },
  {
    type: 'price.observed.v1',
    outbox: 'pricing',
    consumers: [
      ['shrinkflation', 'shrink'],
      ['coupon', 'coupon'],
    ],
  },
] as const;

interface EventCounts {
  type: string;
  events: number;
  unpublished: number;
  /** consumer name -> events of this type in its inbox (the primary key makes each at most once) */
  applied: Record<string, number>;
}

async function eventCounts(db: pg.Client): Promise<EventCounts[]> {
  const counts: EventCounts[] = [];
  for (const { type, outbox, consumers } of chain) {
    const { rows } = await db.query<{ events: string; unpublished: string }>(
      `select count(*) as events, count(*) filter (where published_at is null) as unpublished
         from ${outbox}.outbox where type = $1`,
      [type],
    );
    const applied: Record<string, number> = {};
    for (const [consumer, schema] of consumers) {
      const result = await db.query<{ applied: string }>(
        `select count(*) as applied from ${outbox}.outbox o
           join ${schema}.inbox i on i.event_id = o.id and i.consumer = $2
          where o.type = $1`,
        [type, consumer],
      );
      applied[consumer] = Number(result.rows[0]?.applied);
    }
    counts.push({
      type,
      events: Number(rows[0]?.events),
      unpublished: Number(rows[0]?.unpublished),
      applied,
    });
  }
  return counts;
}

async function unpublishedOutboxRows(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ count: string }>(
    `select count(*) as count from ingest.outbox where published_at is null`,
  );
  return Number(rows[0]?.count);
}

/** price-watch's outcomes for purchase.recorded since it started (`cartwatch_events_handled_total`). */
async function purchaseOutcomes(url: string): Promise<Record<string, number>> {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const outcomes: Record<string, number> = {};
  for (const line of (await response.text()).split('\n')) {
    const match =
      /^cartwatch_events_handled_total\{(?=[^}]*consumer="price-watch")(?=[^}]*type="purchase\.recorded\.v1")[^}]*outcome="([a-z_]+)"[^}]*\} (\d+)$/.exec(
        line,
      );
    if (match?.[1] && match[2]) outcomes[match[1]] = Number(match[2]);
  }
  return outcomes;
}

/** `cartwatch_nats_connected` of a service's /metrics: 1 connected, 0 reconnecting (docs/deploy.md). */
async function natsConnected(url: string): Promise<number | undefined> {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const line = (await response.text()).split('\n').find((l) => l.startsWith('cartwatch_nats_connected{'));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

async function readyStatus(url: string): Promise<number> {
  const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return response.status;
}

let nats: OwnNatsServer;
let platform: Platform;
let db: pg.Client;
let observer: NatsConnection | undefined;
let events: EventStream | undefined;

beforeAll(async () => {
  nats = await OwnNatsServer.start();
  platform = await Platform.start({ natsUrl: nats.url });
  db = await platformDatabase(platform.databaseName);
});
afterAll(async () => {
  events?.close();
  await observer?.close();
  await db?.end();
  if (nats && !nats.isUp) await nats.restart();
  try {
    await platform?.stop();
  } finally {
    await nats?.destroy();
  }
});

describe('NATS crashed and restarted under load', () => {
  it('keeps accepting receipts, and every line is matched and observed exactly once after the restart', async () => {
    const gateway = new GatewayClient(platform.url);
    const admin = await eventually('admin login', () => gateway.loginAdmin(platform.admin));
    const shopper = await gateway.registerUser('nats-outage-shopper');
    const load = receiptLoad(RECEIPT_POOL, LINES_PER_RECEIPT);
    await createLoadStore(gateway, admin, load);
    const pids = Object.fromEntries(serviceNames.map((name) => [name, platform.pid(name)])) as Record<
      ServiceName,
      number | undefined
    >;

    // Opened before the crash: the gateway's live fan-out reads the stream through consumers of its own.
    events = await EventStream.open(platform.url, shopper.token);
    const loop = new LoadLoop(platform.url, shopper, load.receipts);
    try {
      // The chain works before the fault: some lines observed already.
      await eventually('price-watch observing the first batches', async () => {
        const counts = await ingestCounts(db, shopper.userId);
        return counts.observations > 0 && loop.answered('before') >= MIN_BATCHES.before ? counts : undefined;
      });

      loop.phase = 'down';
      const downAt = Date.now();
      await nats.kill();
      // Services notice on /metrics (cartwatch_nats_connected 0) and stay ready: they can serve, and
      // their writes wait in the outbox, so a NATS outage must not empty their Services.
      await eventually('receipt-ingest reporting NATS disconnected on /metrics', async () =>
        (await natsConnected(platform.managementUrls['receipt-ingest'])) === 0 ? true : undefined,
      );
      const readyWhileDown = await readyStatus(platform.managementUrls['receipt-ingest']);
      expect(readyWhileDown).toBe(200);
      await eventually(
        `${MIN_BATCHES.down} batches answered and ${DOWN_MS} ms passed with NATS down`,
        async () =>
          loop.answered('down') >= MIN_BATCHES.down && Date.now() - downAt >= DOWN_MS ? true : undefined,
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      // The events of what was written meanwhile wait in the outbox.
      const backlogWhileDown = await unpublishedOutboxRows(db);

      loop.phase = 'after';
      await nats.restart();
      // From the SIGKILL until JetStream answers again on the same port.
      const restartedAt = Date.now();
      const downMs = restartedAt - downAt;
      await eventually(
        `${MIN_BATCHES.after} batches answered after the restart`,
        async () => (loop.answered('after') >= MIN_BATCHES.after ? true : undefined),
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      await loop.stop();
      expect(loop.exhausted, 'the receipt pool ran out before the phases were done').toBe(false);

      const failures = loop.outcomes.filter((outcome) => outcome.status !== 200);
      // Writes only touch Postgres (the outbox): a NATS outage must not fail an import.
      expect(failures, JSON.stringify(failures)).toEqual([]);
      const linesImported = loop.outcomes.reduce((sum, outcome) => sum + outcome.lines, 0);
      const receiptsImported = loop.outcomes.reduce((sum, outcome) => sum + outcome.purchaseIds.length, 0);
      expect(receiptsImported * LINES_PER_RECEIPT).toBe(linesImported);
      expect(new Set(loop.outcomes.flatMap((outcome) => outcome.purchaseIds)).size).toBe(receiptsImported);
      expect(backlogWhileDown).toBeGreaterThan(0);

      const converged = await eventually(
        'every line matched and observed, every outbox drained',
        async () => {
          const counts = await ingestCounts(db, shopper.userId);
          const chainCounts = await eventCounts(db);
          const complete =
            counts.matchedLines === linesImported &&
            counts.observations >= linesImported &&
            chainCounts.every(
              (event) =>
                event.unpublished === 0 &&
                Object.values(event.applied).every((applied) => applied >= event.events),
            );
          return complete ? { counts, events: chainCounts } : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      const convergedMs = Date.now() - restartedAt;

      expect(converged.counts).toEqual({
        lines: linesImported,
        matchedLines: linesImported,
        observations: linesImported,
        observedLines: linesImported,
      });
      const perLine = { events: linesImported, unpublished: 0 };
      expect(converged.events).toEqual([
        {
          type: 'purchase.recorded.v1',
          events: receiptsImported,
          unpublished: 0,
          applied: { 'price-watch': receiptsImported, coupon: receiptsImported },
        },
        {
          type: 'product.matched.v1',
          ...perLine,
          applied: { 'receipt-ingest': linesImported, coupon: linesImported },
        },
        {
          type: 'price.observed.v1',
          ...perLine,
          applied: { shrinkflation: linesImported, coupon: linesImported },
        },
      ]);

      // price-watch's own count agrees: each purchase handled once; redeliveries after the crash (consumer
      // state behind the applied work) were recognised by the inbox as duplicates.
      const priceWatch = await purchaseOutcomes(platform.managementUrls['price-watch']);
      expect(priceWatch.handled).toBe(receiptsImported);
      expect(priceWatch.dead_lettered ?? 0).toBe(0);

      // The stream holds each event once: republished rows were dropped by the duplicate window.
      observer = await connect({ servers: nats.url, name: 'nats-restarted-test' });
      const jsm = await jetstreamManager(observer);
      const stream = await jsm.streams.info(platform.streamName, { subjects_filter: '>' });
      const stored = stream.state.subjects ?? {};
      expect({
        'purchase.recorded.v1': stored[`${platform.subjectPrefix}.purchase.recorded.v1`],
        'product.matched.v1': stored[`${platform.subjectPrefix}.product.matched.v1`],
        'price.observed.v1': stored[`${platform.subjectPrefix}.price.observed.v1`],
      }).toEqual({
        'purchase.recorded.v1': receiptsImported,
        'product.matched.v1': linesImported,
        'price.observed.v1': linesImported,
      });

      // Nobody was restarted: the same processes reconnected, report it, and are ready.
      for (const name of serviceNames) {
        expect(platform.pid(name), `${name} pid`).toBe(pids[name]);
        await eventually(`${name} reporting NATS connected after the restart`, async () =>
          (await natsConnected(platform.managementUrls[name])) === 1 ? true : undefined,
        );
        expect(await readyStatus(platform.managementUrls[name]), `${name} /ready`).toBe(200);
      }

      // The gateway's live fan-out came back too: a price hike after the restart reaches the SSE stream
      // that was open through the outage (price-watch alert -> alert.created -> gateway -> SSE).
      const [hiked] = load.gtins;
      // The load paid $1.99-$2.05 for product 0; $5.00 is far above the 10 % alert threshold.
      const hikeCents = 500;
      await gateway.post(
        '/receipts',
        {
          storeSlug: load.storeSlug,
          purchasedAt: new Date(Date.now() - 60_000).toISOString(),
          currency: 'USD',
          items: [
            {
              name: 'Load Product 0',
              brand: 'Loadwell 0',
              category: 'pantry',
              gtin: hiked,
              unitPriceCents: hikeCents,
              size: { value: 100, unit: 'g' },
            },
          ],
        },
        { token: shopper.token, expect: 201 },
      );
      const alert = await events.waitFor(
        'the price-increase alert.created after the restart',
        (event) => event.event === 'alert.created' && event.data.data.kind === 'price-increase',
        60_000,
      );
      expect(alert.data.data.userId).toBe(shopper.userId);

      const batches = Object.fromEntries(
        (['before', 'down', 'after'] as const).map((phase) => [phase, loop.answered(phase)]),
      );
      console.info(
        `nats-restarted: ${linesImported} lines / ${receiptsImported} receipts imported in ${loop.outcomes.length} batches ${JSON.stringify(batches)}, ` +
          `0 failed; NATS down ${downMs} ms (receipt-ingest /ready ${readyWhileDown} meanwhile, ${backlogWhileDown} outbox rows waiting); ` +
          `converged ${convergedMs} ms after the restart: ${JSON.stringify(converged.counts)}; ` +
          `price-watch purchase.recorded outcomes ${JSON.stringify(priceWatch)}`,
      );
    } finally {
      await loop.stop();
    }
  }, 240_000);
});

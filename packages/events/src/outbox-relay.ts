/**
 * The outbox relay: moves committed outbox rows to JetStream in `seq` order and marks them published.
 *
 * One relay per schema is active at a time: it holds a session-level advisory lock on a dedicated
 * connection (which also LISTENs for the outbox channel); other replicas stay idle and retry the lock.
 * A batch is published pipelined (every publish sent, all PubAcks collected by one subscription,
 * pipelined-publish.ts) and only the acknowledged prefix is marked, so a failure never lets a later row overtake an earlier one for good.
 * A crash between publish and mark republishes the same msgID: JetStream's duplicate window drops it and
 * consumer inboxes would de-duplicate it anyway.
 */
import { SUBJECT_PREFIX } from '@cartwatch/common-types';
import { exponentialBackoffMs } from '@cartwatch/service-kit';
import type { NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { sleep, Waker } from './backoff.js';
import { type EventMetrics, registerEventMetrics } from './event-metrics.js';
import {
  deletePublishedBefore,
  findUnpublished,
  markPublished,
  readBacklog,
  recordPublishFailure,
  type UnpublishedRow,
} from './outbox.repository.js';
import {
  outboxChannel,
  RELAY_AWAKE_SUFFIX,
  RELAY_LOCK_CLASS,
  RELAY_WRITERS_SUFFIX,
} from './outbox-channel.js';
import { PipelinedPublisher } from './pipelined-publish.js';
import type { AnyDatabase } from './schema-agnostic.js';

export interface OutboxRelayOptions {
  database: AnyDatabase;
  nc: NatsConnection;
  logger: Logger;
  /** Subjects are `<subjectPrefix>.<type>`; default `cartwatch`. Tests use their own prefix. */
  subjectPrefix?: string;
  /** Rows per publish round; default 500. */
  batchSize?: number;
  /** Fallback poll when no NOTIFY arrives; default 1 s. */
  pollIntervalMs?: number;
  /**
   * While awake (writers do not NOTIFY then, docs/events.md "Relay wake-ups"), the relay polls this often;
   * default 5 ms.
   */
  awakePollMs?: number;
  /** The relay stays awake this long after its last non-empty round; default 100 ms. */
  lingerMs?: number;
  /** How often an idle replica retries the leader lock; default 5 s. */
  lockRetryMs?: number;
  /** How long a round waits for its PubAcks; default 5 s. */
  publishTimeoutMs?: number;
  /** Backoff after a failed round: 100 ms doubling up to this cap (with jitter); default 5 s. */
  maxBackoffMs?: number;
  /** Published rows are kept this long for inspection, then deleted; default 24 h. */
  retentionMs?: number;
  /** How often the leader deletes expired rows; default 1 min. */
  cleanupIntervalMs?: number;
  /** How long `stop()` keeps flushing the backlog; default 5 s. */
  flushTimeoutMs?: number;
  registry?: Registry;
  /** Test seams for crash simulation. Never set in production code. */
  faults?: {
    /** Runs after the PubAcks came back and before the rows are marked; a throw leaves them unmarked. */
    afterPublishBeforeMark?: (rows: readonly UnpublishedRow[]) => void | Promise<void>;
  };
}

type RoundResult = 'empty' | 'partial' | 'full' | 'failed';

const CLEANUP_BATCH = 1_000;
const CLEANUP_MAX_BATCHES = 20;
const BACKOFF_BASE_MS = 100;

export class OutboxRelay {
  readonly #options: OutboxRelayOptions;
  readonly #logger: Logger;
  readonly #publisher: PipelinedPublisher;
  readonly #metrics: EventMetrics;
  readonly #subjectPrefix: string;
  readonly #batchSize: number;
  readonly #lockKey: string;
  readonly #channel: string;
  readonly #awakeKey: string;
  readonly #writersKey: string;
  readonly #awakePollMs: number;
  readonly #lingerMs: number;
  readonly #waker = new Waker();
  readonly #encoder = new TextEncoder();
  #abort = new AbortController();
  #running: Promise<void> | undefined;
  #stopping = false;
  #leaderClient: pg.Client | undefined;
  #isLeader = false;
  #awake = false;
  #failures = 0;
  #nextCleanupAt = 0;

  constructor(options: OutboxRelayOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'outbox-relay', schema: options.database.schema });
    this.#publisher = new PipelinedPublisher(options.nc, options.publishTimeoutMs ?? 5_000);
    this.#metrics = registerEventMetrics(options.registry);
    this.#subjectPrefix = options.subjectPrefix ?? SUBJECT_PREFIX;
    this.#batchSize = options.batchSize ?? 500;
    this.#lockKey = `${options.database.schema}.outbox`;
    this.#channel = outboxChannel(options.database.schema);
    this.#awakeKey = `${options.database.schema}${RELAY_AWAKE_SUFFIX}`;
    this.#writersKey = `${options.database.schema}${RELAY_WRITERS_SUFFIX}`;
    this.#awakePollMs = options.awakePollMs ?? 5;
    this.#lingerMs = options.lingerMs ?? 100;
  }

  /** True while this replica holds the schema's relay lock. */
  get isLeader(): boolean {
    return this.#isLeader;
  }

  /** True while the leader is asleep: its last round done, it waits for a NOTIFY or its next poll. */
  get isIdle(): boolean {
    return this.#isLeader && !this.#awake && this.#waker.waiting;
  }

  start(): void {
    if (this.#running) return;
    this.#stopping = false;
    this.#abort = new AbortController();
    const db = this.#options.database.db;
    this.#metrics.backlogSources.set(this.#options.database.schema, () => readBacklog(db));
    this.#running = this.#runLoop();
  }

  /** Finishes the current round, flushes what is left (bounded by flushTimeoutMs), releases the lock. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#stopping = true;
    this.#abort.abort();
    this.#waker.wake();
    await this.#running;
    this.#running = undefined;
    try {
      if (this.#isLeader) await this.#flush();
    } finally {
      this.#metrics.backlogSources.delete(this.#options.database.schema);
      this.#publisher.close();
      await this.#releaseLeadership();
    }
  }

  async #runLoop(): Promise<void> {
    let lastActivity = 0;
    while (!this.#stopping) {
      try {
        if (!(await this.#acquireLeadership())) {
          await sleep(this.#options.lockRetryMs ?? 5_000, this.#abort.signal);
          continue;
        }
        await this.#maybeCleanup();
        this.#waker.consume();
        await this.#tryStayAwake();
        const result = await this.#publishRound();
        if (result === 'failed') {
          await sleep(this.#nextBackoff(), this.#abort.signal);
          continue;
        }
        this.#failures = 0;
        // A full batch means more is probably waiting: go again at once.
        if (result === 'full') continue;
        if (result === 'partial') lastActivity = Date.now();
        if (this.#awake) {
          // Awake, writers do not NOTIFY: poll while rows came in recently or a write is uncommitted.
          if (Date.now() - lastActivity < this.#lingerMs || !(await this.#trySleep())) {
            await this.#waker.wait(this.#awakePollMs);
            continue;
          }
          // Asleep: writers NOTIFY again. A write committed before that is visible to this last round.
          if ((await this.#publishRound()) !== 'empty') {
            lastActivity = Date.now();
            continue;
          }
        }
        await this.#waker.wait(this.#options.pollIntervalMs ?? 1_000);
      } catch (error) {
        this.#logger.error({ err: error }, 'outbox relay round failed');
        await sleep(this.#nextBackoff(), this.#abort.signal);
      }
    }
  }

  /**
   * Tries the `awake` lock (exclusive) on the lock connection, so writers stop sending NOTIFYs. Never
   * waits: if a writer holds it shared at this moment, the relay stays asleep for this round (writers keep
   * notifying) and tries again next round.
   */
  async #tryStayAwake(): Promise<void> {
    const client = this.#leaderClient;
    if (this.#awake || !client) return;
    const result = await client.query<{ awake: boolean }>(
      'select pg_try_advisory_lock($1::int, hashtext($2::text)) as awake',
      [RELAY_LOCK_CLASS, this.#awakeKey],
    );
    this.#awake = result.rows[0]?.awake === true;
  }

  /**
   * Falls asleep only when no write is uncommitted: with the `writers` lock taken exclusively (so no
   * writer is between its write and its commit), release `awake`, then `writers`. A writer that saw the
   * relay awake has committed by then (the last round sees its rows); a later one sends a NOTIFY.
   * False (still awake) when a writer holds `writers`.
   */
  async #trySleep(): Promise<boolean> {
    const client = this.#leaderClient;
    if (!client) return true;
    const result = await client.query<{ slept: boolean }>(
      `select case when pg_try_advisory_lock($1::int, hashtext($3::text))
         then pg_advisory_unlock($1::int, hashtext($2::text)) is not null else false end as slept`,
      [RELAY_LOCK_CLASS, this.#awakeKey, this.#writersKey],
    );
    if (result.rows[0]?.slept !== true) return false;
    this.#awake = false;
    await client.query('select pg_advisory_unlock($1::int, hashtext($2::text))', [
      RELAY_LOCK_CLASS,
      this.#writersKey,
    ]);
    return true;
  }

  #nextBackoff(): number {
    this.#failures += 1;
    return exponentialBackoffMs(this.#failures, BACKOFF_BASE_MS, this.#options.maxBackoffMs ?? 5_000);
  }

  /** One round: read a batch, publish it pipelined, mark the acknowledged prefix. */
  async #publishRound(): Promise<RoundResult> {
    const db = this.#options.database.db;
    const rows = await findUnpublished(this.#options.database.pool, this.#batchSize);
    if (rows.length === 0) return 'empty';

    const outcomes = await this.#publisher.publishAll(
      rows.map((row) => ({
        subject: `${this.#subjectPrefix}.${row.type}`,
        data: this.#encoder.encode(row.payload),
        msgId: row.id,
      })),
    );
    // Only the prefix up to the first failure is marked: a later row never overtakes an earlier one.
    const acknowledged: UnpublishedRow[] = [];
    let failure: { row: UnpublishedRow; error: string } | undefined;
    for (const [index, row] of rows.entries()) {
      const outcome = outcomes[index];
      if (outcome?.ok) {
        acknowledged.push(row);
        continue;
      }
      failure = { row, error: outcome?.error ?? 'not published' };
      break;
    }

    await this.#options.faults?.afterPublishBeforeMark?.(acknowledged);
    await markPublished(
      db,
      acknowledged.map((row) => row.seq),
      this.#subjectPrefix,
    );
    this.#metrics.outboxPublished.inc({ schema: this.#options.database.schema }, acknowledged.length);

    if (failure) {
      this.#logger.warn(
        { seq: failure.row.seq, eventId: failure.row.id, type: failure.row.type, error: failure.error },
        'publishing outbox row failed; retrying with backoff',
      );
      await recordPublishFailure(db, failure.row.seq, failure.error);
      return 'failed';
    }
    return rows.length === this.#batchSize ? 'full' : 'partial';
  }

  async #flush(): Promise<void> {
    const deadline = Date.now() + (this.#options.flushTimeoutMs ?? 5_000);
    try {
      while (Date.now() < deadline) {
        const result = await this.#publishRound();
        if (result !== 'full') {
          if (result === 'failed')
            this.#logger.warn('outbox flush on stop failed; rows stay for the next relay');
          return;
        }
      }
    } catch (error) {
      this.#logger.warn({ err: error }, 'outbox flush on stop failed; rows stay for the next relay');
    }
  }

  async #maybeCleanup(): Promise<void> {
    const now = Date.now();
    if (now < this.#nextCleanupAt) return;
    this.#nextCleanupAt = now + (this.#options.cleanupIntervalMs ?? 60_000);
    const retentionMs = this.#options.retentionMs ?? 24 * 60 * 60_000;
    let deleted = 0;
    // Small batches keep each delete short; the next interval continues where this one stopped.
    for (let batch = 0; batch < CLEANUP_MAX_BATCHES && !this.#stopping; batch += 1) {
      const count = await deletePublishedBefore(this.#options.database.db, retentionMs, CLEANUP_BATCH);
      deleted += count;
      if (count < CLEANUP_BATCH) break;
    }
    if (deleted > 0) this.#logger.debug({ deleted }, 'deleted published outbox rows past retention');
  }

  /** Connects the lock/LISTEN client and tries the advisory lock; true when this replica leads. */
  async #acquireLeadership(): Promise<boolean> {
    if (this.#isLeader) return true;
    if (!this.#leaderClient) {
      const client = new pg.Client({
        connectionString: this.#options.database.connectionString,
        application_name: `outbox-relay:${this.#options.database.schema}`,
      });
      client.on('error', (error) => this.#loseLeadership(client, error));
      client.on('end', () => this.#loseLeadership(client, undefined));
      client.on('notification', () => this.#waker.wake());
      try {
        await client.connect();
      } catch (error) {
        client.removeAllListeners();
        throw error;
      }
      this.#leaderClient = client;
    }
    const client = this.#leaderClient;
    const result = await client.query<{ locked: boolean }>(
      'select pg_try_advisory_lock(hashtext($1)) as locked',
      [this.#lockKey],
    );
    if (result.rows[0]?.locked !== true) return false;
    await client.query(`listen ${client.escapeIdentifier(this.#channel)}`);
    this.#isLeader = true;
    this.#failures = 0;
    this.#logger.info('outbox relay is the leader for this schema');
    return true;
  }

  #loseLeadership(client: pg.Client, error: Error | undefined): void {
    if (this.#leaderClient !== client) return;
    if (this.#isLeader && !this.#stopping) {
      this.#logger.warn({ err: error }, 'outbox relay lost its lock connection; re-acquiring');
    }
    this.#leaderClient = undefined;
    this.#isLeader = false;
    this.#awake = false;
    client.removeAllListeners('notification');
    client.end().catch(() => {});
  }

  async #releaseLeadership(): Promise<void> {
    const client = this.#leaderClient;
    this.#leaderClient = undefined;
    this.#isLeader = false;
    this.#awake = false;
    if (!client) return;
    client.removeAllListeners();
    client.on('error', () => {});
    // Closing the session releases the advisory lock and the LISTEN.
    await client.end().catch(() => {});
  }
}

/**
 * Consuming events: durable pull consumers whose messages are applied exactly once per consumer.
 *
 * Each handled event type gets its own durable (`<name>__<type>`, filter `<prefix>.<type>`), because
 * NATS 2.9 allows one filter subject per consumer. All of them feed one queue and one processing loop.
 * A batch of messages is handled in ONE transaction: the event ids are claimed in the inbox (a claim
 * that already exists is a duplicate), the handlers run without savepoints (consecutive events of a
 * handler with `handleMany` in one call), and acks are sent only after COMMIT; if a handler throws, the
 * batch is rolled back and applied again with each handler in its own SAVEPOINT. A crash between commit and ack causes a redelivery that the inbox turns into a
 * duplicate; a crash before commit loses nothing because nothing was acked.
 *
 * User deletion is final (docs/architecture.md#events): an event about a user (the envelope's `userId`, else
 * its data's) whose deletion this service has applied is acked and counted with outcome `user_deleted`,
 * never handed to its handler; a `user.deleted.v1` handler that succeeds writes the tombstone in its
 * savepoint, so the purge and the tombstone commit together.
 */
import {
  dlqSubject,
  type EventDefinition,
  EventEnvelope,
  eventCatalog,
  STREAM_NAME,
  SUBJECT_PREFIX,
} from '@cartwatch/common-types';
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/transport-node';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { scheduledDelayMs, sleep } from './backoff.js';
import { lockKeys } from './batch-lock.repository.js';
import { type DeadLetterReason, describeDeadLetter, publishDeadLetter } from './dead-letter.js';
import { lockUsers, recordDeletedUser } from './deleted-user.repository.js';
import { type EventMetrics, type HandleOutcome, registerEventMetrics } from './event-metrics.js';
import {
  claimEvents,
  openEventSavepoint,
  releaseEvents,
  rollbackEventSavepoint,
} from './inbox.repository.js';
import { MessageQueue } from './message-queue.js';
import type { AnyDatabase, AnyTables } from './schema-agnostic.js';

export interface HandlerContext {
  /** Resets the message's ack timer; call it during long work so the message is not redelivered. */
  working(): void;
  /** 1 on the first delivery. */
  deliveryCount: number;
}

export interface EventHandler<TDef extends EventDefinition = EventDefinition, DB = AnyTables> {
  definition: TDef;
  /**
   * Applies the event inside `trx`, the transaction that also records it in the inbox. Throw to have
   * the message redelivered with backoff (and dead-lettered after maxDeliver attempts).
   */
  handle(
    trx: Transaction<DB>,
    event: EventEnvelope<z.output<TDef['schema']>>,
    ctx: HandlerContext,
  ): Promise<void>;
  /**
   * The rows this event's handler writes that other events' handlers write too, as keys (e.g.
   * `product:<id>`). A batch takes an exclusive lock on every key of its events, in key order, before any
   * handler runs, so two batches (two lanes, or two replicas) writing the same rows in opposite orders
   * wait for each other instead of deadlocking.
   */
  lockKeys?(data: z.output<TDef['schema']>): readonly string[];
  /**
   * Optional: applies several events of this type at once inside `trx` (e.g. one multi-row insert instead
   * of one insert per event). On a batch's fast path (no savepoints), each run of two or more consecutive
   * events of this type that are to be applied goes to it, in delivery order, instead of to `handle` one
   * by one (docs/events.md, "Handlers of many events"). If it throws, the batch is rolled back and applied
   * again through `handle`, one event per savepoint: it must write exactly what `handle` would for each.
   */
  handleMany?(
    trx: Transaction<DB>,
    events: ReadonlyArray<EventEnvelope<z.output<TDef['schema']>>>,
  ): Promise<void>;
}

/** Handlers of any table map: annotate `trx: Transaction<YourDB>` in a handler to get typed queries. */
export type EventHandlerMap = ReadonlyArray<EventHandler<EventDefinition, AnyTables>>;

/**
 * Typed helper: `defineHandler(eventCatalog.priceObserved, async (trx: Transaction<PricingDB>, event) => {})`
 * infers `event.data` from the definition and the table map from the annotation.
 */
export function defineHandler<TDef extends EventDefinition, DB = AnyTables>(
  definition: TDef,
  handle: EventHandler<TDef, DB>['handle'],
  options: Pick<EventHandler<TDef, DB>, 'lockKeys' | 'handleMany'> = {},
): EventHandler<TDef, DB> {
  return { definition, handle, ...options };
}

export interface EventConsumerOptions {
  /** Durable consumer name, unique per service (e.g. `price-watch`); also the inbox and DLQ key. */
  name: string;
  database: AnyDatabase;
  nc: NatsConnection;
  logger: Logger;
  streamName?: string;
  subjectPrefix?: string;
  handlers: EventHandlerMap;
  /** Attempts before a failing message is dead-lettered; default 5. */
  maxDeliver?: number;
  /** Redelivery delay after failed attempt N (index N-1, the last repeats); default 1 s, 5 s, 15 s, 60 s. */
  backoffMs?: readonly number[];
  /**
   * Messages per transaction on the fast path; default 200 (the isolated path, one savepoint per message,
   * uses transactions of at most 50: below Postgres' 64 cached subtransactions).
   */
  batchSize?: number;
  /**
   * Batches processed in parallel, each in its own transaction (and pool connection); default 4.
   * Events with the same subjectId always share a lane, so per-aggregate order is kept.
   */
  concurrency?: number;
  /** Server redelivers a message not acked within this; default 30 s. */
  ackWaitMs?: number;
  /** Unacked messages the server hands this consumer at most, per durable; default 1000. */
  maxAckPending?: number;
  /** How often consumer lag is read into the gauge; default 10 s. */
  lagIntervalMs?: number;
  registry?: Registry;
}

const DEFAULT_BACKOFF_MS = [1_000, 5_000, 15_000, 60_000];
/** Messages per transaction on the isolated path: below Postgres' 64 cached subtransactions. */
const ISOLATED_CHUNK = 50;
const MAX_BATCH = 500;
/**
 * A consumer's defaults. Fast-path batch: per batch the consumer sends five statements and one ack flush,
 * so larger batches cost less per event (the event benchmark: 190-207 us of CPU per event at 50, 167-173
 * at 200). But a batch holds every lock its handlers take until it commits, and a handler may take a
 * service-wide one (price-watch's matching lock, which `POST /internal/products/resolve` waits for): at
 * 200 receipts a batch held it past the callers' 5 s timeout in the e2e suite, so the default stays 50.
 * Each batch also holds one advisory lock per user (and declared key), so `concurrency` x `batchSize` per
 * consumer replica, over every replica, must fit Postgres' lock table (tests/deploy holds the Kubernetes
 * cluster to it).
 */
export const CONSUMER_DEFAULTS = { batchSize: 50, concurrency: 4 } as const;

/**
 * Thrown out of a batch transaction without savepoints when a handler fails: the batch is redone isolated.
 * `failure` is the message whose `handle` failed and its decision; none when a `handleMany` failed (which of
 * its events is at fault is not known, so each of them is applied alone).
 */
class HandlerFailedInBatch extends Error {
  constructor(readonly failure?: { msg: JsMsg; decision: Decision }) {
    super('a handler failed in a batch without savepoints');
    this.name = 'HandlerFailedInBatch';
  }
}

interface Delivery {
  msg: JsMsg;
  envelope?: EventEnvelope;
  handler?: EventHandler<EventDefinition, AnyTables>;
  /** Parsed `data` when it matched the handler's schema. */
  data?: unknown;
  /** Why the message cannot be handled at all (goes to the DLQ at once). */
  rejection?: { reason: DeadLetterReason; error: string };
}

/** What applying one batch transaction's events shares. */
interface Applying {
  trx: Transaction<AnyTables>;
  decisions: Map<JsMsg, Decision>;
  mode: { isolated: boolean; knownFailures?: ReadonlyMap<JsMsg, Decision> };
  /** Users with a tombstone: read with the claim, grown by the batch's own deletions. */
  deletedUsers: Set<string>;
  /** Claims to forget at the end (their events were not applied). */
  released: string[];
  savepointOpen: boolean;
}

type Decision =
  | { kind: 'ack'; outcome: 'handled' | 'duplicate' | 'user_deleted' }
  /** Not applied because the consumer is stopping: back to the server at once, not counted as handled. */
  | { kind: 'return' }
  | { kind: 'nak'; delayMs: number; error: string }
  | { kind: 'dead-letter'; reason: DeadLetterReason; error: string };

export class EventConsumer {
  readonly #options: EventConsumerOptions;
  readonly #logger: Logger;
  readonly #metrics: EventMetrics;
  readonly #js: JetStreamClient;
  readonly #streamName: string;
  readonly #subjectPrefix: string;
  readonly #maxDeliver: number;
  readonly #backoffMs: readonly number[];
  readonly #batchSize: number;
  readonly #ackWaitMs: number;
  readonly #concurrency: number;
  readonly #handlersByType: Map<string, EventHandler<EventDefinition, AnyTables>>;
  readonly #dlqSubject: string;
  #lanes: MessageQueue<Delivery>[] = [];
  #abort = new AbortController();
  #stopping = false;
  #starting: Promise<void> | undefined;
  #subscriptions = new Set<ConsumerMessages>();
  #pumps: Promise<void>[] = [];
  #processing: Promise<void>[] = [];
  #lagTimer: NodeJS.Timeout | undefined;
  #jsm: JetStreamManager | undefined;

  constructor(options: EventConsumerOptions) {
    if (!/^[A-Za-z0-9_-]+$/.test(options.name)) {
      throw new Error(`consumer name "${options.name}" may only contain letters, digits, - and _`);
    }
    this.#options = options;
    this.#logger = options.logger.child({ component: 'event-consumer', consumer: options.name });
    this.#metrics = registerEventMetrics(options.registry);
    this.#js = jetstream(options.nc);
    this.#streamName = options.streamName ?? STREAM_NAME;
    this.#subjectPrefix = options.subjectPrefix ?? SUBJECT_PREFIX;
    this.#maxDeliver = options.maxDeliver ?? 5;
    this.#backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
    this.#batchSize = Math.max(1, Math.min(options.batchSize ?? CONSUMER_DEFAULTS.batchSize, MAX_BATCH));
    this.#ackWaitMs = options.ackWaitMs ?? 30_000;
    this.#concurrency = Math.max(1, Math.floor(options.concurrency ?? CONSUMER_DEFAULTS.concurrency));
    this.#handlersByType = new Map(options.handlers.map((handler) => [handler.definition.type, handler]));
    if (this.#handlersByType.size !== options.handlers.length) {
      throw new Error(`consumer ${options.name} has two handlers for the same event type`);
    }
    this.#dlqSubject = dlqSubject(options.name, this.#subjectPrefix);
  }

  /** Durable consumer name of one event type: `<name>__<type with dots as underscores>`. */
  durableName(type: string): string {
    return `${this.#options.name}__${type.replaceAll('.', '_')}`;
  }

  /** Creates/updates the durables and starts pulling. Needs NATS reachable; rejects (and can be retried) if not. */
  start(): Promise<void> {
    this.#starting ??= this.#start().catch((error: unknown) => {
      this.#starting = undefined;
      throw error;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    this.#stopping = false;
    this.#abort = new AbortController();
    this.#lanes = Array.from(
      { length: this.#concurrency },
      () => new MessageQueue<Delivery>(this.#batchSize * 4),
    );
    this.#jsm = await jetstreamManager(this.#options.nc);
    for (const type of this.#handlersByType.keys()) await this.#ensureDurable(type);
    this.#pumps = [...this.#handlersByType.keys()].map((type) => this.#pump(type));
    this.#processing = this.#lanes.map((lane) => this.#processLoop(lane));
    const lagIntervalMs = this.#options.lagIntervalMs ?? 10_000;
    this.#lagTimer = setInterval(() => void this.#refreshLag(), lagIntervalMs);
    this.#lagTimer.unref();
    void this.#refreshLag();
  }

  /**
   * Stops pulling and hands queued messages back to the server; a batch in flight finishes the event in
   * hand, commits and acks what it applied, and hands the rest back too.
   */
  async stop(): Promise<void> {
    const starting = this.#starting;
    if (!starting) return;
    await starting.catch(() => {});
    if (this.#starting !== starting) return; // start failed: nothing runs
    this.#stopping = true;
    this.#abort.abort();
    clearInterval(this.#lagTimer);
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.close().catch(() => {})));
    for (const lane of this.#lanes) for (const { msg } of lane.close()) msg.nak();
    await Promise.all(this.#pumps);
    await Promise.all(this.#processing);
    this.#pumps = [];
    this.#processing = [];
    this.#starting = undefined;
  }

  async #ensureDurable(type: string): Promise<void> {
    const jsm = this.#jsm ?? (await jetstreamManager(this.#options.nc));
    const durable = this.durableName(type);
    // max_deliver is unlimited on the server on purpose: the server silently stops delivering a message
    // after max_deliver (no DLQ), which would lose an event whose last attempt died with the process or
    // with the database. maxDeliver is enforced here instead, ending in the DLQ.
    const updatable = {
      description: `${this.#options.name}: ${type}`,
      ack_wait: nanos(this.#ackWaitMs),
      max_deliver: -1,
      max_ack_pending: this.#options.maxAckPending ?? 1_000,
    };
    try {
      await jsm.consumers.info(this.#streamName, durable);
      await jsm.consumers.update(this.#streamName, durable, updatable);
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound))
        throw error;
      await jsm.consumers.add(this.#streamName, {
        ...updatable,
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: `${this.#subjectPrefix}.${type}`,
      });
    }
  }

  /** Pulls one durable into the queue; re-subscribes after errors until stopped. */
  async #pump(type: string): Promise<void> {
    const durable = this.durableName(type);
    while (!this.#stopping) {
      let subscription: ConsumerMessages | undefined;
      try {
        const consumer = await this.#js.consumers.get(this.#streamName, durable);
        if (this.#stopping) break;
        subscription = await consumer.consume({ max_messages: this.#batchSize * 2 });
        this.#subscriptions.add(subscription);
        void this.#watchStatus(type, subscription);
        for await (const msg of subscription) {
          const delivery = this.#prepare(msg);
          if (!(await this.#laneFor(delivery).push(delivery))) msg.nak();
        }
      } catch (error) {
        if (!this.#stopping) this.#logger.warn({ err: error, durable }, 'pull subscription failed; retrying');
      } finally {
        if (subscription) this.#subscriptions.delete(subscription);
      }
      if (!this.#stopping) await sleep(1_000, this.#abort.signal);
    }
  }

  async #watchStatus(type: string, subscription: ConsumerMessages): Promise<void> {
    try {
      for await (const status of subscription.status()) {
        if (status.type === 'consumer_deleted' || status.type === 'consumer_not_found') {
          this.#logger.warn({ status, type }, 'durable consumer is gone; recreating it');
          await this.#ensureDurable(type).catch((error: unknown) =>
            this.#logger.warn({ err: error, type }, 'recreating the durable consumer failed'),
          );
        } else if (status.type === 'heartbeats_missed' || status.type === 'stream_not_found') {
          this.#logger.warn({ status, type }, 'pull subscription status');
        }
      }
    } catch {
      // The status iterator ends with the subscription.
    }
  }

  /**
   * Messages about the same aggregate (subjectId, else the event id) always go to the same lane, so
   * they are applied in delivery order while other aggregates proceed in parallel.
   */
  #laneFor(delivery: Delivery): MessageQueue<Delivery> {
    const key = delivery.envelope ? (delivery.envelope.subjectId ?? delivery.envelope.id) : '';
    const lane = this.#lanes[laneIndex(key, this.#lanes.length)];
    if (!lane) throw new Error('consumer has no processing lanes');
    return lane;
  }

  async #processLoop(lane: MessageQueue<Delivery>): Promise<void> {
    for (;;) {
      const batch = await lane.take(this.#batchSize);
      if (batch.length === 0) return;
      try {
        await this.#processBatch(batch);
      } catch (error) {
        // #processBatch settles every message itself; this only guards the loop.
        this.#logger.error({ err: error }, 'processing a batch failed unexpectedly');
      }
    }
  }

  async #processBatch(deliveries: readonly Delivery[]): Promise<void> {
    const decisions = new Map<JsMsg, Decision>();
    // Long batches keep every message's ack timer alive, not only the one whose handler is running.
    const keepAlive = setInterval(
      () => {
        for (const { msg } of deliveries) msg.working();
      },
      Math.max(1_000, Math.floor(this.#ackWaitMs / 3)),
    );
    try {
      // Fast path: the whole batch in one transaction, no savepoints (2 fewer round trips per message).
      // A redelivery is likely to fail again, so a batch holding one takes the isolated path at once.
      const failed = deliveries.some(({ msg }) => msg.info.deliveryCount > 1)
        ? undefined
        : await this.#runTransaction(deliveries, decisions, { isolated: false });
      if (failed !== 'done') {
        // A handler threw on the fast path and the transaction was rolled back: apply the batch again,
        // each handler in its own savepoint. The handler that failed is not called again for this
        // delivery; its decision stands (its claim is released as on the isolated path).
        decisions.clear();
        const knownFailures = new Map(failed?.failure ? [[failed.failure.msg, failed.failure.decision]] : []);
        for (let start = 0; start < deliveries.length; start += ISOLATED_CHUNK) {
          const chunk = deliveries.slice(start, start + ISOLATED_CHUNK);
          await this.#runTransaction(chunk, decisions, { isolated: true, knownFailures });
        }
      }
    } finally {
      clearInterval(keepAlive);
    }
    await this.#settle(deliveries, decisions);
  }

  /**
   * Applies `deliveries` in one transaction and records a decision for each. `isolated` wraps every
   * handler in a savepoint, so a failing handler is rolled back alone. Otherwise the first failing
   * handler rolls the whole transaction back and is returned (nothing is recorded then).
   */
  async #runTransaction(
    deliveries: readonly Delivery[],
    decisions: Map<JsMsg, Decision>,
    mode: { isolated: boolean; knownFailures?: ReadonlyMap<JsMsg, Decision> },
  ): Promise<'done' | HandlerFailedInBatch> {
    const decided = new Map<JsMsg, Decision>();
    try {
      await this.#options.database.db.transaction().execute(async (trx) => {
        await this.#applyInTransaction(trx, deliveries, decided, mode);
      });
    } catch (error) {
      if (error instanceof HandlerFailedInBatch) return error;
      // The transaction itself failed (database unavailable, commit error): nothing was applied, so every
      // message comes back later. This is not the handler's fault, so it never dead-letters.
      this.#logger.error(
        { err: error, messages: deliveries.length },
        'event batch transaction failed; redelivering',
      );
      for (const { msg } of deliveries) {
        decisions.set(msg, {
          kind: 'nak',
          delayMs: scheduledDelayMs(this.#backoffMs, msg.info.deliveryCount),
          error: String(error),
        });
      }
      return 'done';
    }
    for (const [msg, decision] of decided) decisions.set(msg, decision);
    return 'done';
  }

  /** Decodes and validates what can be checked without the database. */
  #prepare(msg: JsMsg): Delivery {
    let raw: unknown;
    try {
      raw = msg.json();
    } catch (error) {
      return {
        msg,
        rejection: { reason: 'invalid_message', error: `payload is not JSON: ${errorText(error)}` },
      };
    }
    const envelope = EventEnvelope.safeParse(raw);
    if (!envelope.success) {
      return {
        msg,
        rejection: { reason: 'invalid_message', error: `invalid envelope: ${issuesText(envelope.error)}` },
      };
    }
    const handler = this.#handlersByType.get(envelope.data.type);
    if (!handler) {
      return {
        msg,
        envelope: envelope.data,
        rejection: { reason: 'no_handler', error: `no handler for event type ${envelope.data.type}` },
      };
    }
    const data = handler.definition.schema.safeParse(envelope.data.data);
    if (!data.success) {
      return {
        msg,
        envelope: envelope.data,
        handler,
        rejection: {
          reason: 'invalid_message',
          error: `invalid ${envelope.data.type} data: ${issuesText(data.error)}`,
        },
      };
    }
    return { msg, envelope: envelope.data, handler, data: data.data };
  }

  async #applyInTransaction(
    trx: Transaction<AnyTables>,
    deliveries: readonly Delivery[],
    decisions: Map<JsMsg, Decision>,
    mode: { isolated: boolean; knownFailures?: ReadonlyMap<JsMsg, Decision> },
  ): Promise<void> {
    const consumer = this.#options.name;
    const withEnvelope = deliveries.filter(
      (delivery) => delivery.envelope && delivery.rejection?.reason !== 'no_handler',
    );
    // The users' locks come first, so the claim and the tombstone read after them (one statement, whose
    // snapshot is taken once the locks are held) see any purge that committed before.
    const users = usersToLock(deliveries);
    await lockUsers(trx, users);
    // Then the rows the handlers declare (docs/events.md, "Batch locks"); users first in every batch.
    await lockKeys(trx, keysToLock(deliveries));
    const { claimed, deletedUsers } = await claimEvents(
      trx,
      consumer,
      withEnvelope.map((delivery) => delivery.envelope?.id ?? ''),
      [...users.keys()],
    );
    const released: string[] = [];
    // First delivery of each id in this batch decides; a second copy of the same id follows its outcome
    // (decided at the end, when every first delivery has its decision).
    const firstById = new Map<string, JsMsg>();
    const copies: Array<{ msg: JsMsg; first: JsMsg }> = [];
    const applying: Applying = { trx, decisions, mode, deletedUsers, released, savepointOpen: false };
    // Fast path: consecutive events of one handler with handleMany wait here and go to it together.
    let run: Delivery[] = [];
    const flushRun = async (): Promise<void> => {
      const pending = run;
      run = [];
      await this.#applyRun(applying, pending);
    };

    for (const [index, delivery] of deliveries.entries()) {
      // Stopping: what is applied commits with the batch, the rest goes back to the server at once with
      // its claims released, so a stop waits for the event in hand, not for the whole batch (a batch of
      // receipts can take seconds to apply, longer than the shutdown timeout).
      if (this.#stopping) {
        for (const rest of deliveries.slice(index)) {
          const id = rest.envelope?.id;
          // An id already met in this batch keeps its claim: its first delivery was applied or decided.
          if (id !== undefined && claimed.has(id) && !firstById.has(id)) {
            released.push(id);
            firstById.set(id, rest.msg);
          }
          decisions.set(rest.msg, { kind: 'return' });
        }
        break;
      }
      const { msg, envelope, handler, rejection } = delivery;
      if (!envelope || rejection?.reason === 'no_handler') {
        decisions.set(msg, {
          kind: 'dead-letter',
          reason: rejection?.reason ?? 'invalid_message',
          error: rejection?.error ?? 'invalid message',
        });
        continue;
      }
      const first = firstById.get(envelope.id);
      if (first) {
        copies.push({ msg, first });
        continue;
      }
      firstById.set(envelope.id, msg);
      if (!claimed.has(envelope.id)) {
        decisions.set(msg, { kind: 'ack', outcome: 'duplicate' });
        continue;
      }
      if (rejection || !handler) {
        released.push(envelope.id);
        decisions.set(msg, {
          kind: 'dead-letter',
          reason: rejection?.reason ?? 'invalid_message',
          error: rejection?.error ?? 'invalid message',
        });
        continue;
      }
      const userId = userIdOf(delivery);
      const deletes = isUserDeletion(delivery);
      // A deletion is handled alone (below) and flushes the run before it: an event of the run is never
      // checked against a tombstone its batch writes after it.
      if (!deletes && userId !== undefined && deletedUsers.has(userId)) {
        decisions.set(msg, { kind: 'ack', outcome: 'user_deleted' });
        continue;
      }
      const knownFailure = mode.knownFailures?.get(msg);
      if (knownFailure) {
        released.push(envelope.id);
        decisions.set(msg, knownFailure);
        continue;
      }
      if (!mode.isolated && !deletes && handler.handleMany) {
        if (run[0] && run[0].handler !== handler) await flushRun();
        run.push(delivery);
        continue;
      }
      await flushRun();
      await this.#applyOne(applying, delivery);
    }
    await flushRun();
    for (const { msg, first } of copies) {
      const firstDecision = decisions.get(first);
      decisions.set(
        msg,
        firstDecision?.kind === 'ack'
          ? { kind: 'ack', outcome: 'duplicate' }
          : {
              kind: 'nak',
              delayMs: scheduledDelayMs(this.#backoffMs, msg.info.deliveryCount),
              error: 'copy of a failed message',
            },
      );
    }
    await releaseEvents(trx, consumer, released);
  }

  /** Applies consecutive events of one handler: through its handleMany when there are two or more. */
  async #applyRun(applying: Applying, run: readonly Delivery[]): Promise<void> {
    const [first] = run;
    const handleMany = first?.handler?.handleMany;
    if (!first || run.length === 1 || !handleMany) {
      for (const delivery of run) await this.#applyOne(applying, delivery);
      return;
    }
    try {
      await handleMany(
        applying.trx,
        run.map(({ envelope, data }) => ({ ...(envelope as EventEnvelope), data })),
      );
    } catch (error) {
      this.#logger.warn(
        { err: error, type: first.envelope?.type, events: run.length },
        'event handler failed on several events; applying the batch again one event at a time',
      );
      // Only the fast path makes runs: its transaction is lost, the batch is redone isolated.
      throw new HandlerFailedInBatch();
    }
    for (const { msg } of run) applying.decisions.set(msg, { kind: 'ack', outcome: 'handled' });
  }

  /** Applies one event through its handler's `handle` (in its own savepoint on the isolated path). */
  async #applyOne(applying: Applying, delivery: Delivery): Promise<void> {
    const { trx, decisions, mode, deletedUsers, released } = applying;
    const { msg, envelope, handler } = delivery;
    if (!envelope || !handler) return;
    const userId = userIdOf(delivery);
    const deletes = isUserDeletion(delivery);
    const deliveryCount = msg.info.deliveryCount;
    if (mode.isolated) {
      // One round trip per boundary: the previous message's savepoint is released and the next one set
      // in the same simple-protocol query. COMMIT releases the last one.
      await openEventSavepoint(trx, applying.savepointOpen);
      applying.savepointOpen = true;
    }
    try {
      await handler.handle(
        trx,
        { ...envelope, data: delivery.data },
        { working: () => msg.working(), deliveryCount },
      );
      if (deletes && userId !== undefined) {
        await recordDeletedUser(trx, userId);
        deletedUsers.add(userId);
      }
      decisions.set(msg, { kind: 'ack', outcome: 'handled' });
    } catch (error) {
      const text = errorText(error);
      this.#logger.warn(
        { err: error, eventId: envelope.id, type: envelope.type, deliveryCount },
        'event handler failed',
      );
      const decision: Decision =
        deliveryCount >= this.#maxDeliver
          ? { kind: 'dead-letter', reason: 'handler_failed', error: text }
          : { kind: 'nak', delayMs: scheduledDelayMs(this.#backoffMs, deliveryCount), error: text };
      // Without savepoints the transaction is lost: it is rolled back and the caller applies the
      // batch again isolated.
      if (!mode.isolated) throw new HandlerFailedInBatch({ msg, decision });
      // Undo the handler's writes only; the rest of the batch goes on in the same transaction.
      await rollbackEventSavepoint(trx);
      released.push(envelope.id);
      decisions.set(msg, decision);
    }
  }

  /** After commit (or rollback): ack, nak or dead-letter every message of the batch. */
  async #settle(deliveries: readonly Delivery[], decisions: Map<JsMsg, Decision>): Promise<void> {
    const consumer = this.#options.name;
    await Promise.all(
      deliveries.map(async ({ msg, envelope }) => {
        const decision = decisions.get(msg) ?? { kind: 'nak', delayMs: 0, error: 'not processed' };
        const type = envelope?.type ?? 'unknown';
        if (decision.kind === 'return') {
          msg.nak();
          return;
        }
        let outcome: HandleOutcome;
        switch (decision.kind) {
          case 'ack':
            msg.ack();
            outcome = decision.outcome;
            break;
          case 'nak':
            msg.nak(decision.delayMs);
            outcome = 'failed';
            break;
          case 'dead-letter':
            outcome = await this.#deadLetter(msg, envelope, decision.reason, decision.error);
            break;
        }
        this.#metrics.eventsHandled.inc({ consumer, type, outcome });
      }),
    );
  }

  async #deadLetter(
    msg: JsMsg,
    envelope: EventEnvelope | undefined,
    reason: DeadLetterReason,
    error: string,
  ): Promise<HandleOutcome> {
    const letter = describeDeadLetter(msg, {
      consumer: this.#options.name,
      reason,
      error,
      ...(envelope ? { eventId: envelope.id, eventType: envelope.type } : {}),
    });
    try {
      await publishDeadLetter(this.#js, this.#dlqSubject, letter);
    } catch (publishError) {
      // Never term a message whose dead letter was not stored: retry it instead.
      this.#logger.error({ err: publishError, streamSequence: msg.seq }, 'publishing a dead letter failed');
      msg.nak(scheduledDelayMs(this.#backoffMs, msg.info.deliveryCount));
      return 'failed';
    }
    msg.term(`dead-lettered: ${error.slice(0, 200)}`);
    this.#metrics.deadLettered.inc({ consumer: this.#options.name });
    this.#logger.error(
      {
        reason,
        error,
        streamSequence: msg.seq,
        eventId: envelope?.id,
        deliveryCount: msg.info.deliveryCount,
      },
      'message dead-lettered',
    );
    return 'dead_lettered';
  }

  async #refreshLag(): Promise<void> {
    const jsm = this.#jsm;
    if (!jsm || this.#stopping) return;
    try {
      let lag = 0;
      for (const type of this.#handlersByType.keys()) {
        const info = await jsm.consumers.info(this.#streamName, this.durableName(type));
        lag += info.num_pending + info.num_ack_pending;
      }
      this.#metrics.consumerLag.set({ consumer: this.#options.name }, lag);
    } catch (error) {
      this.#logger.debug({ err: error }, 'reading consumer lag failed');
    }
  }
}

const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The users the batch's events are about, to lock until commit: exclusively those it deletes, shared
 * the others. Holding the locks to commit keeps a purge and a late event from interleaving.
 */
function usersToLock(deliveries: readonly Delivery[]): Map<string, 'shared' | 'exclusive'> {
  const users = new Map<string, 'shared' | 'exclusive'>();
  for (const delivery of deliveries) {
    if (!delivery.envelope || !delivery.handler || delivery.rejection) continue;
    const userId = userIdOf(delivery);
    if (userId === undefined) continue;
    if (isUserDeletion(delivery)) users.set(userId, 'exclusive');
    else if (!users.has(userId)) users.set(userId, 'shared');
  }
  return users;
}

/** The keys the batch's handlers declare for their events (`lockKeys`). */
function keysToLock(deliveries: readonly Delivery[]): string[] {
  const keys = new Set<string>();
  for (const delivery of deliveries) {
    if (!delivery.envelope || !delivery.handler?.lockKeys || delivery.rejection) continue;
    for (const key of delivery.handler.lockKeys(delivery.data)) keys.add(key);
  }
  return [...keys];
}

/** The user an event is about: the envelope's `userId`, else a `userId` in its validated data. */
function userIdOf(delivery: Delivery): string | undefined {
  if (delivery.envelope?.userId !== undefined) return delivery.envelope.userId.toLowerCase();
  const data = delivery.data;
  if (typeof data !== 'object' || data === null || !('userId' in data)) return undefined;
  const { userId } = data;
  return typeof userId === 'string' && USER_ID.test(userId) ? userId.toLowerCase() : undefined;
}

/** A `user.deleted` event: its handler purges, and the consumer writes the tombstone. */
function isUserDeletion(delivery: Delivery): boolean {
  return delivery.envelope?.type === eventCatalog.userDeleted.type;
}

/** The lane (of `lanes`) the messages about an aggregate go to. */
export function laneIndex(aggregateId: string, lanes: number): number {
  return lanes <= 1 ? 0 : fnv1a(aggregateId) % lanes;
}

/** 32-bit FNV-1a: a cheap, stable spread of aggregate ids over lanes. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function issuesText(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

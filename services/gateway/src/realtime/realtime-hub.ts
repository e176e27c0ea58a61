/**
 * Fans the user-facing events of the JetStream stream out to the SSE connections of this process. Each
 * gateway instance reads the stream itself through ephemeral ordered consumers (one per pushed event
 * type, new messages only), so any number of replicas work without coordination. The stream sequence is
 * the SSE event id: a reconnecting client sends it as `Last-Event-ID` and `catchUp` replays what it missed.
 */
import {
  type ConsumerMessages,
  DeliverPolicy,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

/** Event types pushed to their user's stream (docs/architecture.md#events: gateway push). */
export const pushedEventTypes = [
  'alert.created.v1',
  'order.status-changed.v1',
  'cart.updated.v1',
  'device.paired.v1',
] as const;

export interface PushedEvent {
  /** Stream sequence: the SSE id. */
  seq: number;
  /** Event name without the version, e.g. `alert.created`. */
  name: string;
  envelope: { id: string; type: string; occurredAt: string; userId: string; data: unknown };
}

export type PushListener = (event: PushedEvent) => void;

export interface RealtimeHubOptions {
  /** The connection, or how to open it on first use. */
  nc: NatsConnection | (() => Promise<NatsConnection>);
  streamName: string;
  subjectPrefix: string;
  logger: Logger;
  /** At most this many stream messages are scanned when resuming from Last-Event-ID. */
  catchUpLimit?: number;
}

const pushed = new Set<string>(pushedEventTypes);

export class RealtimeHub {
  private readonly listeners = new Map<string, Set<PushListener>>();
  private readonly subscriptions: ConsumerMessages[] = [];
  private readonly decoder = new TextDecoder();
  private stopping = false;
  private started: Promise<void> | undefined;
  private connection: Promise<NatsConnection> | undefined;

  constructor(private readonly options: RealtimeHubOptions) {}

  /** Resolves once every live consumer exists (events published after this reach listeners). */
  start(): Promise<void> {
    this.started ??= this.startConsumers().catch((error: unknown) => {
      this.started = undefined; // the next subscriber retries
      throw error;
    });
    return this.started;
  }

  private nc(): Promise<NatsConnection> {
    const { nc } = this.options;
    this.connection ??= typeof nc === 'function' ? nc() : Promise.resolve(nc);
    return this.connection;
  }

  private async startConsumers(): Promise<void> {
    const js = jetstream(await this.nc());
    for (const type of pushedEventTypes) {
      const consumer = await js.consumers.get(this.options.streamName, {
        filter_subjects: `${this.options.subjectPrefix}.${type}`,
        deliver_policy: DeliverPolicy.New,
      });
      const messages = await consumer.consume();
      this.subscriptions.push(messages);
      void this.pump(messages, type);
    }
  }

  private async pump(messages: ConsumerMessages, type: string): Promise<void> {
    try {
      for await (const msg of messages) {
        const event = this.decode(msg);
        if (event) this.dispatch(event);
      }
    } catch (error) {
      if (!this.stopping) this.options.logger.error({ err: error, type }, 'realtime consumer ended');
    }
  }

  private decode(msg: JsMsg): PushedEvent | undefined {
    try {
      const envelope = JSON.parse(this.decoder.decode(msg.data)) as PushedEvent['envelope'];
      if (!pushed.has(envelope.type) || typeof envelope.userId !== 'string') return undefined;
      return { seq: msg.seq, name: envelope.type.replace(/\.v\d+$/, ''), envelope };
    } catch {
      return undefined;
    }
  }

  private dispatch(event: PushedEvent): void {
    for (const listener of this.listeners.get(event.envelope.userId) ?? []) listener(event);
  }

  subscribe(userId: string, listener: PushListener): () => void {
    let set = this.listeners.get(userId);
    if (!set) {
      set = new Set();
      this.listeners.set(userId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(userId);
    };
  }

  /**
   * Delivers the user's pushed events with a sequence above `afterSeq` that are already in the stream;
   * returns the last sequence scanned (live delivery continues after it).
   */
  async catchUp(userId: string, afterSeq: number, listener: PushListener): Promise<number> {
    const nc = await this.nc();
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(this.options.streamName);
    const lastSeq = info.state.last_seq;
    const limit = this.options.catchUpLimit ?? 10_000;
    const startSeq = Math.max(afterSeq + 1, info.state.first_seq, lastSeq - limit + 1);
    if (startSeq > lastSeq) return lastSeq;
    const consumer = await jetstream(nc).consumers.get(this.options.streamName, {
      filter_subjects: `${this.options.subjectPrefix}.>`,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startSeq,
    });
    let scanned = startSeq - 1;
    while (scanned < lastSeq) {
      const batch = await consumer.fetch({ max_messages: 256, expires: 2_000 });
      let received = 0;
      for await (const msg of batch) {
        received++;
        scanned = msg.seq;
        const event = this.decode(msg);
        if (event && event.envelope.userId === userId && event.seq <= lastSeq) listener(event);
        if (scanned >= lastSeq) break;
      }
      if (received === 0) break; // messages between startSeq and lastSeq may have expired
    }
    await consumer.delete().catch(() => false);
    return lastSeq;
  }

  get connectedUsers(): number {
    return this.listeners.size;
  }

  /** Stops the consumers; closes the connection only when the hub opened it itself. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.subscriptions.map((messages) => messages.close().catch(() => undefined)));
    this.subscriptions.length = 0;
    if (typeof this.options.nc === 'function' && this.connection) {
      const nc = await this.connection.catch(() => undefined);
      await nc?.drain().catch(() => undefined);
    }
  }
}

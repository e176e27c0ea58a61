/**
 * Publishing a batch to JetStream with all PubAcks collected by one subscription.
 *
 * `js.publish` is a request per message: a reply subscription entry, a timer, a promise, and, after every
 * PubAck, a `RequestError("cancelled")` that nats.js creates (with its stack trace) when it tidies the
 * request up. At relay rates that was a tenth of the producing process's CPU (bench/results/events.md).
 * Here every message of a batch is published with `Nats-Msg-Id` and a reply subject of one long-lived
 * wildcard subscription (`<inbox>.<n>`), and one timer covers the batch.
 */
import { createInbox, headers, type NatsConnection, type Subscription } from '@nats-io/transport-node';

export interface PipelinedMessage {
  subject: string;
  data: Uint8Array;
  /** JetStream's de-duplication id (`Nats-Msg-Id`). */
  msgId: string;
}

/** Per message: stored (or dropped by JetStream as a duplicate of a stored one), or why not. */
export type PubAckOutcome = { ok: true; duplicate: boolean } | { ok: false; error: string };

interface Round {
  first: number;
  outcomes: Array<PubAckOutcome | undefined>;
  pending: number;
  done: () => void;
}

export class PipelinedPublisher {
  readonly #nc: NatsConnection;
  readonly #timeoutMs: number;
  readonly #decoder = new TextDecoder();
  #inbox = '';
  #subscription: Subscription | undefined;
  #next = 0;
  #round: Round | undefined;

  constructor(nc: NatsConnection, timeoutMs: number) {
    this.#nc = nc;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Publishes every message (in order) and waits for all their PubAcks, at most the timeout: a message
   * without a PubAck by then gets `timed out`. One call at a time.
   */
  async publishAll(messages: readonly PipelinedMessage[]): Promise<PubAckOutcome[]> {
    if (this.#round) throw new Error('PipelinedPublisher: one publishAll at a time');
    if (messages.length === 0) return [];
    const subscription = this.#subscribe();
    const round: Round = {
      first: this.#next,
      outcomes: new Array<PubAckOutcome | undefined>(messages.length),
      pending: messages.length,
      done: () => {},
    };
    this.#next += messages.length;
    const finished = new Promise<void>((resolve) => {
      round.done = resolve;
    });
    this.#round = round;
    const timer = setTimeout(() => round.done(), this.#timeoutMs);
    try {
      for (const [index, message] of messages.entries()) {
        const msgHeaders = headers();
        msgHeaders.set('Nats-Msg-Id', message.msgId);
        try {
          this.#nc.publish(message.subject, message.data, {
            reply: `${this.#inbox}.${round.first + index}`,
            headers: msgHeaders,
          });
        } catch (error) {
          // Closed or draining connection: this and the rest cannot be sent.
          for (let rest = index; rest < messages.length; rest += 1) settle(round, rest, failed(error));
          break;
        }
      }
      await finished;
    } finally {
      clearTimeout(timer);
      this.#round = undefined;
      if (subscription.isClosed()) this.#subscription = undefined;
    }
    return Array.from(
      round.outcomes,
      (outcome) => outcome ?? { ok: false, error: 'timed out waiting for the PubAck' },
    );
  }

  /** Stops listening for PubAcks. */
  close(): void {
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
  }

  #subscribe(): Subscription {
    if (this.#subscription && !this.#subscription.isClosed()) return this.#subscription;
    this.#inbox = createInbox();
    const prefixLength = this.#inbox.length + 1;
    this.#subscription = this.#nc.subscribe(`${this.#inbox}.*`, {
      callback: (error, msg) => {
        const round = this.#round;
        if (error || !round) return;
        // A late PubAck of an earlier (timed-out) round falls outside this round's range.
        const index = Number(msg.subject.slice(prefixLength)) - round.first;
        if (!(index >= 0 && index < round.outcomes.length)) return;
        settle(round, index, this.#outcome(msg.headers?.code ?? 0, msg.headers?.description, msg.data));
      },
    });
    return this.#subscription;
  }

  #outcome(statusCode: number, statusText: string | undefined, data: Uint8Array): PubAckOutcome {
    // A status message instead of a PubAck: 503 = no stream listens on the subject.
    if (statusCode >= 300 || data.length === 0) {
      return {
        ok: false,
        error:
          statusCode === 503
            ? 'no responders: no stream for this subject'
            : `status ${statusCode} ${statusText ?? ''}`,
      };
    }
    try {
      const ack = JSON.parse(this.#decoder.decode(data)) as {
        stream?: string;
        duplicate?: boolean;
        error?: { code?: number; err_code?: number; description?: string };
      };
      if (ack.error) {
        return {
          ok: false,
          error: `${ack.error.description ?? 'JetStream error'} (${ack.error.err_code ?? ack.error.code})`,
        };
      }
      if (!ack.stream) return { ok: false, error: 'invalid PubAck' };
      return { ok: true, duplicate: ack.duplicate === true };
    } catch (error) {
      return failed(error);
    }
  }
}

function settle(round: Round, index: number, outcome: PubAckOutcome): void {
  if (round.outcomes[index] !== undefined) return;
  round.outcomes[index] = outcome;
  round.pending -= 1;
  if (round.pending === 0) round.done();
}

function failed(error: unknown): PubAckOutcome {
  return { ok: false, error: error instanceof Error ? error.message : String(error) };
}

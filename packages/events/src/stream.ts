/** Creates or updates the JetStream stream every event and dead letter lives in (docs/architecture.md#events). */

import { STREAM_NAME, SUBJECT_PREFIX } from '@cartwatch/common-types';
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/transport-node';

/**
 * JetStream drops a message whose msgID it saw within this window. The relay republishes a row only
 * after a failed or unconfirmed publish, at most one backoff step (<= 5 s) after the previous try, or
 * when a relay restarts after dying between publish and mark. Ten minutes covers every retry span and a
 * slow restart by a wide margin; beyond it a republish is still harmless, because every consumer's inbox
 * de-duplicates by event id. The window costs memory per message id, so it is not made much longer.
 */
export const DEFAULT_DUPLICATE_WINDOW_MS = 10 * 60_000;

export interface EnsureStreamOptions {
  name?: string;
  subjectPrefix?: string;
  duplicateWindowMs?: number;
  /** Copies of every message on different NATS servers (1, 3 or 5); default 1. */
  replicas?: number;
  /**
   * Largest size of the stream in bytes; default -1 = no limit. When full, new publishes are refused
   * (`discard: new`): the events wait in the outbox and the relay retries, rather than unconsumed events
   * being dropped (docs/deploy.md, "The event stream").
   */
  maxBytes?: number;
  /** Drop messages older than this; default 0 = no age limit. */
  maxAgeMs?: number;
}

/** Idempotent: creates the stream, or updates the settings we own when it already exists. */
export async function ensureStream(nc: NatsConnection, options: EnsureStreamOptions = {}): Promise<void> {
  const name = options.name ?? STREAM_NAME;
  const subjectPrefix = options.subjectPrefix ?? SUBJECT_PREFIX;
  const jsm = await jetstreamManager(nc);
  const maxAgeMs = options.maxAgeMs ?? 0;
  const duplicateWindowMs = options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
  const settings = {
    subjects: [`${subjectPrefix}.>`],
    // JetStream refuses a duplicate window longer than the stream keeps messages.
    duplicate_window: nanos(maxAgeMs > 0 ? Math.min(duplicateWindowMs, maxAgeMs) : duplicateWindowMs),
    max_age: nanos(maxAgeMs),
    max_bytes: options.maxBytes ?? -1,
    num_replicas: options.replicas ?? 1,
    discard: DiscardPolicy.New,
  } satisfies Partial<StreamConfig>;
  const existing = await jsm.streams.info(name).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (!existing) {
    try {
      await jsm.streams.add({ name, storage: StorageType.File, ...settings });
      return;
    } catch (error) {
      // Another replica created it between our info and add; fall through to update.
      if (!String(error).includes('already in use')) throw error;
    }
  }
  const updated = await jsm.streams.update(name, settings);
  // A standalone server (no `cluster` in the stream info) records more replicas on update but keeps one
  // copy; say so instead of running without them.
  if (settings.num_replicas > 1 && updated.cluster === undefined) {
    throw new Error(
      `stream ${name} cannot have ${settings.num_replicas} replicas on a NATS server without a cluster ` +
        '(EVENTS_STREAM_REPLICAS needs a NATS cluster of at least that many servers)',
    );
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
}

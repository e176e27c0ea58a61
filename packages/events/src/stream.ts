/** Creates or updates the JetStream stream every event and dead letter lives in (docs/architecture.md#events). */

import { STREAM_NAME, SUBJECT_PREFIX } from '@cartwatch/common-types';
import {
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
  /** Drop messages older than this; default 0 = keep until limits are configured by operations. */
  maxAgeMs?: number;
}

/** Idempotent: creates the stream, or updates the settings we own when it already exists. */
export async function ensureStream(nc: NatsConnection, options: EnsureStreamOptions = {}): Promise<void> {
  const name = options.name ?? STREAM_NAME;
  const subjectPrefix = options.subjectPrefix ?? SUBJECT_PREFIX;
  const jsm = await jetstreamManager(nc);
  const settings = {
    subjects: [`${subjectPrefix}.>`],
    duplicate_window: nanos(options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS),
    max_age: nanos(options.maxAgeMs ?? 0),
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
  await jsm.streams.update(name, settings);
}

function isNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
}

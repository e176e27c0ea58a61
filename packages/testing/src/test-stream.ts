/**
 * A JetStream stream and subject prefix of its own per test file (docs/architecture.md#testing), so tests never publish
 * to or consume from the real `cartwatch.>` subjects and files run in parallel. Pass `streamName` and
 * `subjectPrefix` to the events package's relay and consumers.
 */
import { randomBytes } from 'node:crypto';
import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import { testEnv } from './test-env.js';

export interface TestStream {
  nc: NatsConnection;
  /** `T_<RANDOM>` */
  streamName: string;
  /** `t<random>`; the stream holds `<subjectPrefix>.>` (events, and dead letters at `<prefix>.dlq.<consumer>`). */
  subjectPrefix: string;
  /** Deletes the stream (and its consumers), then drains the connection. Idempotent; call it in afterAll. */
  cleanup(): Promise<void>;
}

/** Messages expire on their own even if a crashed run never deletes its stream. */
const TEST_STREAM_MAX_AGE_MS = 15 * 60_000;

export interface TestStreamOptions {
  /** Default: the test run's NATS (testEnv().natsUrl). */
  natsUrl?: string;
  /** Default: memory; `file` keeps the messages across a restart of the NATS server (fault tests). */
  storage?: 'memory' | 'file';
}

export async function createTestStream(options: TestStreamOptions = {}): Promise<TestStream> {
  const servers = (options.natsUrl ?? testEnv().natsUrl)
    .split(',')
    .map((server) => server.trim())
    .filter(Boolean);
  const nc = await connect({ servers, name: 'cartwatch-test' });
  const suffix = randomBytes(6).toString('hex');
  const streamName = `T_${suffix.toUpperCase()}`;
  const subjectPrefix = `t${suffix}`;
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: streamName,
      subjects: [`${subjectPrefix}.>`],
      storage: options.storage === 'file' ? StorageType.File : StorageType.Memory,
      max_age: nanos(TEST_STREAM_MAX_AGE_MS),
      num_replicas: 1,
    });
  } catch (error) {
    await nc.close();
    throw error;
  }
  let cleaning: Promise<void> | undefined;
  const cleanup = () => {
    cleaning ??= (async () => {
      try {
        if (!nc.isClosed()) {
          const jsm = await jetstreamManager(nc);
          await jsm.streams.delete(streamName).catch(() => false);
        }
      } finally {
        if (!nc.isClosed()) await nc.drain();
      }
    })();
    return cleaning;
  };
  return { nc, streamName, subjectPrefix, cleanup };
}

import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStream, type TestStream, testEnv } from '../src/index.js';

describe('createTestStream', () => {
  let stream: TestStream;

  beforeAll(async () => {
    stream = await createTestStream();
  });
  afterAll(async () => {
    await stream.cleanup();
  });

  it('owns a stream of its own that captures only its subject prefix', async () => {
    expect(stream.streamName).toMatch(/^T_[0-9A-F]{12}$/);
    expect(stream.subjectPrefix).toMatch(/^t[0-9a-f]{12}$/);
    const info = await (await jetstreamManager(stream.nc)).streams.info(stream.streamName);
    expect(info.config.subjects).toEqual([`${stream.subjectPrefix}.>`]);
  });

  it('round-trips a message published on its subjects through JetStream', async () => {
    const js = jetstream(stream.nc);
    const subject = `${stream.subjectPrefix}.purchase.recorded.v1`;
    const ack = await js.publish(subject, JSON.stringify({ hello: 'world' }), { msgID: 'event-1' });
    expect(ack.stream).toBe(stream.streamName);
    const duplicate = await js.publish(subject, JSON.stringify({ hello: 'again' }), { msgID: 'event-1' });
    expect(duplicate.duplicate).toBe(true);

    const consumer = await js.consumers.get(stream.streamName);
    const message = await consumer.next({ expires: 5_000 });
    expect(message?.subject).toBe(subject);
    expect(message?.json()).toEqual({ hello: 'world' });
  });

  it('gives every call different names, so files can run in parallel', async () => {
    const other = await createTestStream();
    try {
      expect(other.streamName).not.toBe(stream.streamName);
      expect(other.subjectPrefix).not.toBe(stream.subjectPrefix);
    } finally {
      await other.cleanup();
    }
  });

  it('cleanup() deletes the stream and closes the connection', async () => {
    const doomed = await createTestStream();
    await doomed.cleanup();
    await doomed.cleanup(); // idempotent
    expect(doomed.nc.isClosed()).toBe(true);
    const observer = await connect({ servers: testEnv().natsUrl });
    try {
      const jsm = await jetstreamManager(observer);
      await expect(jsm.streams.info(doomed.streamName)).rejects.toThrow(/stream not found/i);
    } finally {
      await observer.close();
    }
  });
});

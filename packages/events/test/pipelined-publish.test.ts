/** PipelinedPublisher: a batch's PubAcks collected by one subscription, one outcome per message in order. */
import { randomBytes } from 'node:crypto';
import { DiscardPolicy, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelinedPublisher } from '../src/pipelined-publish.js';
import { readStream } from './support/fixtures.js';
import { createTestStream, type TestStream } from './support/harness.js';

let stream: TestStream;
let publisher: PipelinedPublisher;
const encoder = new TextEncoder();

beforeAll(async () => {
  stream = await createTestStream();
  publisher = new PipelinedPublisher(stream.nc, 2_000);
});
afterAll(async () => {
  publisher?.close();
  await stream?.cleanup();
});

const message = (text: string, msgId = `id-${text}`, type = 'widget.created.v1') => ({
  subject: `${stream.subjectPrefix}.${type}`,
  data: encoder.encode(text),
  msgId,
});

describe('PipelinedPublisher', () => {
  it('stores a batch in order with its msgIDs and reports a repeated msgID as a duplicate', async () => {
    const first = await publisher.publishAll(['a', 'b', 'c'].map((text) => message(text)));
    expect(first).toEqual([
      { ok: true, duplicate: false },
      { ok: true, duplicate: false },
      { ok: true, duplicate: false },
    ]);
    // The next batch repeats b's msgID: JetStream drops it and says so; d is stored.
    const second = await publisher.publishAll([message('b again', 'id-b'), message('d')]);
    expect(second).toEqual([
      { ok: true, duplicate: true },
      { ok: true, duplicate: false },
    ]);
    const stored = await readStream(stream.nc, stream.streamName);
    expect(stored.map((entry) => entry.text)).toEqual(['a', 'b', 'c', 'd']);
    const jsm = await jetstreamManager(stream.nc);
    const last = await jsm.streams.getMessage(stream.streamName, { last_by_subj: message('d').subject });
    expect(last?.header.get('Nats-Msg-Id')).toBe('id-d');
  });

  it('reports a subject no stream listens on as not stored, with the reason', async () => {
    const outcomes = await publisher.publishAll([
      { subject: `nowhere_${randomBytes(4).toString('hex')}.x`, data: encoder.encode('lost'), msgId: 'x' },
    ]);
    expect(outcomes).toEqual([{ ok: false, error: expect.stringMatching(/no responders/) }]);
  });

  it("reports JetStream's refusal per message, so a full stream stores the prefix that fit", async () => {
    const jsm = await jetstreamManager(stream.nc);
    const { config } = await jsm.streams.info(stream.streamName);
    const stored = (await jsm.streams.info(stream.streamName)).state.messages;
    await jsm.streams.update(stream.streamName, {
      ...config,
      max_msgs: stored + 2,
      discard: DiscardPolicy.New,
    });
    try {
      const outcomes = await publisher.publishAll(['e', 'f', 'g'].map((text) => message(text)));
      expect(outcomes.slice(0, 2)).toEqual([
        { ok: true, duplicate: false },
        { ok: true, duplicate: false },
      ]);
      expect(outcomes[2]).toEqual({ ok: false, error: expect.stringMatching(/maximum messages exceeded/) });
    } finally {
      await jsm.streams.update(stream.streamName, { ...config, max_msgs: -1 });
    }
  });
});

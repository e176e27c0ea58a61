/**
 * ensureStream: the stream's replicas, size and age limits come from the caller (the services'
 * EVENTS_STREAM_* configuration, docs/deploy.md "The event stream"), on creation and on every later start.
 */
import { randomBytes } from 'node:crypto';
import { testEnv } from '@cartwatch/testing';
import { DiscardPolicy, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStream } from '../src/index.js';

let nc: NatsConnection;
const id = randomBytes(4).toString('hex');
const name = `T_STREAM_${id.toUpperCase()}`;
const subjectPrefix = `t_stream_${id}`;

beforeAll(async () => {
  nc = await connect({ servers: testEnv().natsUrl.split(','), name: 'stream-test' });
});
afterAll(async () => {
  await (await jetstreamManager(nc)).streams.delete(name).catch(() => false);
  await nc.drain();
});

const config = async () => (await (await jetstreamManager(nc)).streams.info(name)).config;

describe('ensureStream', () => {
  it('creates the stream with the replicas, size and age limits it is given, refusing new messages when full', async () => {
    await ensureStream(nc, {
      name,
      subjectPrefix,
      replicas: 1,
      maxBytes: 8 * 1024 * 1024,
      maxAgeMs: 3_600_000,
    });
    expect(await config()).toMatchObject({
      subjects: [`${subjectPrefix}.>`],
      num_replicas: 1,
      max_bytes: 8 * 1024 * 1024,
      max_age: nanos(3_600_000),
      // Full: publishes fail and the events wait in the outbox, instead of unconsumed ones being dropped.
      discard: DiscardPolicy.New,
    });
  });

  it('applies changed limits to the existing stream on the next start', async () => {
    await ensureStream(nc, { name, subjectPrefix, replicas: 1, maxBytes: 4 * 1024 * 1024, maxAgeMs: 60_000 });
    expect(await config()).toMatchObject({ max_bytes: 4 * 1024 * 1024, max_age: nanos(60_000) });
  });

  it('keeps everything (no size or age limit) when given none', async () => {
    await ensureStream(nc, { name, subjectPrefix });
    expect(await config()).toMatchObject({ num_replicas: 1, max_bytes: -1, max_age: 0 });
  });

  it('refuses more replicas than the NATS cluster has servers, naming the problem', async () => {
    await expect(ensureStream(nc, { name, subjectPrefix, replicas: 3 })).rejects.toThrow(/replicas/i);
  });
});

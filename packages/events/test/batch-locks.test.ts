/**
 * Two lanes of one consumer (or two replicas) applying events that write the same rows in opposite
 * orders: without a lock order the two batch transactions deadlock in Postgres (one is rolled back and
 * redone). A handler that declares the keys it writes (`lockKeys`) has the batch take them first, in key
 * order, so the second batch waits instead.
 */

import { defineEvent } from '@cartwatch/common-types';
import { jetstream } from '@nats-io/jetstream';
import { sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { laneIndex } from '../src/event-consumer.js';
import { buildEnvelope, defineHandler, EventConsumer, type EventHandler } from '../src/index.js';
import {
  createEventsTestDatabase,
  createTestStream,
  type EventsTestDatabase,
  silentLogger,
  type TestStream,
  waitFor,
} from './support/harness.js';

const shelfRestocked = defineEvent(
  'shelf.restocked.v1',
  z.object({ shelf: z.enum(['a', 'b']), units: z.number().int() }),
);
interface Tables {
  shelf: { key: string; units: number };
  shelf_error: { code: string };
}

let database: EventsTestDatabase;
let stream: TestStream;

beforeAll(async () => {
  database = await createEventsTestDatabase({ prefix: 'batchlocks' });
  await sql`create table shelf (key text primary key, units integer not null)`.execute(database.db);
  await sql`create table shelf_error (code text not null)`.execute(database.db);
  stream = await createTestStream();
});
afterAll(async () => {
  await stream?.cleanup();
  await database?.drop();
});

/** Subject ids that land on lane 0 and on lane 1 of a two-lane consumer. */
function subjectsByLane(): [string, string] {
  const found: string[] = [];
  for (let n = 0; found.length < 2; n++) {
    const id = `shelf-run-${n}`;
    if (laneIndex(id, 2) === found.length) found.push(id);
  }
  return found as [string, string];
}

async function run(withLockKeys: boolean, name: string): Promise<{ deadlocks: number; units: unknown }> {
  await sql`truncate shelf, shelf_error`.execute(database.db);
  await sql`insert into shelf values ('a', 0), ('b', 0)`.execute(database.db);
  // Each batch's first handler waits (at most 3 s) until the other batch has written its first row, so
  // both hold one row when they reach for the other's.
  let firstWrites = 0;
  let bothWrote: () => void = () => {};
  const barrier = new Promise<void>((resolve) => {
    bothWrote = resolve;
  });
  const seen = new Set<string>();
  const handler = defineHandler(
    shelfRestocked,
    async (trx: Transaction<Tables>, event) => {
      try {
        await sql`update shelf set units = units + ${event.data.units} where key = ${event.data.shelf}`.execute(
          trx,
        );
      } catch (error) {
        await sql`insert into shelf_error values (${(error as { code?: string }).code ?? '?'})`.execute(
          database.db,
        );
        throw error;
      }
      const lane = event.subjectId ?? '';
      if (!seen.has(lane)) {
        seen.add(lane);
        firstWrites += 1;
        if (firstWrites === 2) bothWrote();
        await Promise.race([barrier, new Promise((resolve) => setTimeout(resolve, 3_000))]);
      }
    },
    withLockKeys ? { lockKeys: (data) => [`shelf:${data.shelf}`] } : {},
  );
  const [lane0, lane1] = subjectsByLane();
  // Published before the consumer starts, so each lane takes its two messages as one batch.
  const js = jetstream(stream.nc);
  for (const [subjectId, shelf] of [
    [lane0, 'a'],
    [lane1, 'b'],
    [lane0, 'b'],
    [lane1, 'a'],
  ] as const) {
    const envelope = buildEnvelope(shelfRestocked, {
      source: 'orders',
      subjectId,
      data: { shelf, units: 1 },
    });
    await js.publish(`${stream.subjectPrefix}.${shelfRestocked.type}`, JSON.stringify(envelope));
  }
  const consumer = new EventConsumer({
    name,
    database,
    nc: stream.nc,
    logger: silentLogger,
    streamName: stream.streamName,
    subjectPrefix: stream.subjectPrefix,
    handlers: [handler as EventHandler],
    concurrency: 2,
    batchSize: 2,
    backoffMs: [50],
  });
  try {
    await consumer.start();
    const units = await waitFor(
      async () => {
        const rows = (
          await sql<{ key: string; units: number }>`select key, units from shelf order by key`.execute(
            database.db,
          )
        ).rows;
        return rows.every((row) => row.units === 2) ? rows : undefined;
      },
      { what: 'both shelves restocked twice', timeoutMs: 30_000 },
    );
    const deadlocks = Number(
      (
        await sql<{ n: number }>`select count(*)::int as n from shelf_error where code = '40P01'`.execute(
          database.db,
        )
      ).rows[0]?.n,
    );
    return { deadlocks, units };
  } finally {
    await consumer.stop();
  }
}

describe('batch lock keys', () => {
  it('takes the keys a handler declares in key order, so two batches writing the same rows never deadlock', async () => {
    const result = await run(true, 'with-lock-keys');
    expect(result).toEqual({
      deadlocks: 0,
      units: [
        { key: 'a', units: 2 },
        { key: 'b', units: 2 },
      ],
    });
  });
});

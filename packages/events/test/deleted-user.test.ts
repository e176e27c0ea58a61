/** User deletion is final: the consumer drops events about a user whose deletion it applied. */
import { defineEvent, eventCatalog } from '@cartwatch/common-types';
import { newId, withTransaction } from '@cartwatch/db';
import { jetstream } from '@nats-io/jetstream';
import { sql, type Transaction } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deletedUsersAmong, lockUsers } from '../src/deleted-user.repository.js';
import { buildEnvelope, defineHandler, EventConsumer, recordDeletedUser } from '../src/index.js';
import { counterValue } from './support/fixtures.js';
import {
  createEventsTestDatabase,
  createTestStream,
  type EventsTestDatabase,
  silentLogger,
  type TestStream,
  waitFor,
} from './support/harness.js';

interface Tables {
  user_note: { event_id: string; user_id: string; note: string };
}

/** A user-data event: the user is in the envelope, or (`inDataOnly`) only in the data. */
const noteTaken = defineEvent('note.taken.v1', z.object({ userId: z.uuid(), note: z.string() }));

const takeNote = defineHandler(noteTaken, async (trx: Transaction<Tables>, event) => {
  await trx
    .insertInto('user_note')
    .values({ event_id: event.id, user_id: event.data.userId, note: event.data.note })
    .execute();
});
const purgeNotes = defineHandler(eventCatalog.userDeleted, async (trx: Transaction<Tables>, event) => {
  await trx.deleteFrom('user_note').where('user_id', '=', event.data.userId).execute();
});

let database: EventsTestDatabase;
let stream: TestStream;
let consumer: EventConsumer;
const registry = new Registry();

beforeAll(async () => {
  database = await createEventsTestDatabase({ prefix: 'tombstone' });
  await sql`
    create table user_note (event_id uuid primary key, user_id uuid not null, note text not null)`.execute(
    database.db,
  );
  stream = await createTestStream();
  consumer = new EventConsumer({
    name: 'notes',
    database,
    nc: stream.nc,
    logger: silentLogger,
    streamName: stream.streamName,
    subjectPrefix: stream.subjectPrefix,
    handlers: [takeNote, purgeNotes],
    registry,
  });
  await consumer.start();
});
afterAll(async () => {
  await consumer?.stop();
  await stream?.cleanup();
  await database?.drop();
});

async function note(userId: string, text: string, inDataOnly = false): Promise<string> {
  const envelope = buildEnvelope(noteTaken, {
    source: 'gateway',
    data: { userId, note: text },
    ...(inDataOnly ? { subjectId: newId() } : { userId, subjectId: newId() }),
  });
  await jetstream(stream.nc).publish(`${stream.subjectPrefix}.${noteTaken.type}`, JSON.stringify(envelope));
  return envelope.id;
}

async function deleteUser(userId: string): Promise<string> {
  const envelope = buildEnvelope(eventCatalog.userDeleted, {
    source: 'gateway',
    data: { userId },
    userId,
    subjectId: userId,
  });
  await jetstream(stream.nc).publish(
    `${stream.subjectPrefix}.${eventCatalog.userDeleted.type}`,
    JSON.stringify(envelope),
  );
  return envelope.id;
}

/** Waits until the consumer committed these events (their inbox rows commit with their effects). */
async function applied(...eventIds: string[]): Promise<void> {
  await waitFor(
    async () => {
      const result = await sql<{ n: number }>`
        select count(*)::int as n from inbox where event_id = any(${eventIds}::uuid[])`.execute(database.db);
      return result.rows[0]?.n === eventIds.length ? true : undefined;
    },
    { what: `events ${eventIds.join(', ')} applied` },
  );
}

async function notesOf(userId: string): Promise<string[]> {
  const rows = await database.db
    .selectFrom('user_note')
    .select('note')
    .where('user_id', '=', userId)
    .orderBy('note')
    .execute();
  return rows.map((row) => row.note);
}

const outcome = (name: string, type: string = noteTaken.type) =>
  counterValue(registry, 'cartwatch_events_handled_total', { consumer: 'notes', type, outcome: name });

describe('user deletion is final', () => {
  it('drops (and counts) an event about a deleted user that arrives after the purge', async () => {
    const deleted = newId();
    const kept = newId();
    await applied(await note(deleted, 'before'), await note(kept, 'other user'));
    expect(await notesOf(deleted)).toEqual(['before']);

    await applied(await deleteUser(deleted));
    expect(await notesOf(deleted)).toEqual([]);
    const tombstones = await sql<{ user_id: string }>`select user_id from deleted_user`.execute(database.db);
    expect(tombstones.rows.map((row) => row.user_id)).toContain(deleted);

    const droppedBefore = await outcome('user_deleted');
    // Late: one names the user in the envelope, one only in its data; a third is about another user.
    await applied(
      await note(deleted, 'late'),
      await note(deleted, 'late, data only', true),
      await note(kept, 'other user, later'),
    );
    expect(await notesOf(deleted)).toEqual([]);
    expect(await notesOf(kept)).toEqual(['other user', 'other user, later']);
    expect(await outcome('user_deleted')).toBe(droppedBefore + 2);
  });

  it('handles a second user.deleted of the same user (the purge is never dropped)', async () => {
    const userId = newId();
    await applied(await deleteUser(userId));
    const handledBefore = await outcome('handled', eventCatalog.userDeleted.type);
    await applied(await deleteUser(userId));
    expect(await outcome('handled', eventCatalog.userDeleted.type)).toBe(handledBefore + 1);
  });

  it('makes an event applied while a purge is uncommitted wait for it, then see the tombstone', async () => {
    const userId = newId();
    let commitPurge: () => void = () => {};
    const purgeHeld = new Promise<void>((resolve) => {
      commitPurge = resolve;
    });
    let purgeLocked: () => void = () => {};
    const locked = new Promise<void>((resolve) => {
      purgeLocked = resolve;
    });
    const purge = withTransaction(database.db, async (trx) => {
      await recordDeletedUser(trx, userId);
      purgeLocked();
      await purgeHeld;
    });
    await locked;
    // The late event's transaction: it asks for the user's lock shared, which must wait for the purge.
    const late = withTransaction(database.db, async (trx) => {
      await lockUsers(trx, new Map([[userId, 'shared']]));
      return deletedUsersAmong(trx, [userId]);
    });
    await waitFor(
      async () => {
        const waiting = await sql<{ n: number }>`
          select count(*)::int as n from pg_locks where locktype = 'advisory' and classid = ${0x43570001}::bigint::oid and not granted`.execute(
          database.db,
        );
        return (waiting.rows[0]?.n ?? 0) > 0 ? true : undefined;
      },
      { what: 'the late transaction to wait for the lock' },
    );
    commitPurge();
    await purge;
    expect([...(await late)]).toEqual([userId]);
  });
});

/** SQL of the consumer inbox: which events a consumer has already applied. */
import { sql } from 'kysely';
import type { AnyExecutor } from './schema-agnostic.js';

/**
 * Inserts the event ids not seen yet and returns those (a duplicate id in `eventIds` is inserted once),
 * and, in the same statement and round trip, which of `userIds` have a deletion tombstone
 * (docs/architecture.md#events). Ids are inserted in sorted order, so two batches claiming overlapping
 * ids cannot deadlock. Take the users' locks before this statement: its snapshot, taken when it starts,
 * then sees every purge that committed before the locks were granted.
 */
export async function claimEvents(
  trx: AnyExecutor,
  consumer: string,
  eventIds: readonly string[],
  userIds: readonly string[] = [],
): Promise<{ claimed: Set<string>; deletedUsers: Set<string> }> {
  if (eventIds.length === 0) return { claimed: new Set(), deletedUsers: new Set() };
  if (userIds.length === 0) {
    const result = await sql<{ event_id: string }>`
      insert into inbox (consumer, event_id)
      select ${consumer}, id from unnest(${eventIds}::uuid[]) as claimed(id) order by id
      on conflict do nothing
      returning event_id`.execute(trx);
    return { claimed: new Set(result.rows.map((row) => row.event_id)), deletedUsers: new Set() };
  }
  const result = await sql<{ id: string; deleted_user: boolean }>`
    with claimed as (
      insert into inbox (consumer, event_id)
      select ${consumer}, id from unnest(${eventIds}::uuid[]) as claimed(id) order by id
      on conflict do nothing
      returning event_id
    )
    select event_id::text as id, false as deleted_user from claimed
    union all
    select user_id::text, true from deleted_user where user_id = any(${userIds}::uuid[])`.execute(trx);
  const claimed = new Set<string>();
  const deletedUsers = new Set<string>();
  for (const row of result.rows) (row.deleted_user ? deletedUsers : claimed).add(row.id);
  return { claimed, deletedUsers };
}

/** Forgets claims whose handling failed, so a redelivery is handled again. */
export async function releaseEvents(
  trx: AnyExecutor,
  consumer: string,
  eventIds: readonly string[],
): Promise<void> {
  if (eventIds.length === 0) return;
  await sql`delete from inbox where consumer = ${consumer} and event_id = any(${eventIds}::uuid[])`.execute(
    trx,
  );
}

const FIRST_SAVEPOINT = sql.raw('savepoint cw_event');
const NEXT_SAVEPOINT = sql.raw('release savepoint cw_event; savepoint cw_event');
const ROLLBACK_TO_SAVEPOINT = sql.raw('rollback to savepoint cw_event');

/** Sets the savepoint one event's handler runs in; `replace` releases the previous event's first. */
export async function openEventSavepoint(trx: AnyExecutor, replace: boolean): Promise<void> {
  await (replace ? NEXT_SAVEPOINT : FIRST_SAVEPOINT).execute(trx);
}

/** Undoes what the current event's handler wrote, keeping the rest of the batch. */
export async function rollbackEventSavepoint(trx: AnyExecutor): Promise<void> {
  await ROLLBACK_TO_SAVEPOINT.execute(trx);
}

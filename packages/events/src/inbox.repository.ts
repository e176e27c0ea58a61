/** SQL of the consumer inbox: which events a consumer has already applied. */
import { sql } from 'kysely';
import type { AnyExecutor } from './schema-agnostic.js';

/**
 * Inserts the ids not seen yet and returns those (a duplicate id in `eventIds` is inserted once).
 * Ids are inserted in sorted order, so two batches claiming overlapping ids cannot deadlock.
 */
export async function claimEvents(
  trx: AnyExecutor,
  consumer: string,
  eventIds: readonly string[],
): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const result = await sql<{ event_id: string }>`
    insert into inbox (consumer, event_id)
    select ${consumer}, id from unnest(${eventIds}::uuid[]) as claimed(id) order by id
    on conflict do nothing
    returning event_id`.execute(trx);
  return new Set(result.rows.map((row) => row.event_id));
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

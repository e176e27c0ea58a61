/**
 * SQL of the deletion tombstones (docs/architecture.md#events, "User deletion is final"): the users a
 * service has purged, so an event about one of them that arrives late is dropped instead of applied.
 *
 * Lanes order events per aggregate only, so `user.deleted` and a late `purchase.recorded` of the same
 * user can be handled by two transactions at once. A transaction-scoped advisory lock per user orders
 * them: applying an event about a user takes it shared, recording the deletion takes it exclusive. If the
 * purge commits first, the late event waits, then sees the tombstone; if the late event commits first,
 * the purge waits, then deletes what it wrote.
 */
import { sql } from 'kysely';
import type { AnyExecutor } from './schema-agnostic.js';

/** First key of the two-key advisory locks of user ids (two-key locks never collide with one-key locks). */
const USER_LOCK_CLASS = 0x43570001;

/**
 * Locks the users of a batch, all in one statement and in key order, so two batches never deadlock:
 * exclusive for users deleted in the batch, shared for the others.
 */
export async function lockUsers(trx: AnyExecutor, users: ReadonlyMap<string, 'shared' | 'exclusive'>) {
  if (users.size === 0) return;
  const ids = [...users.keys()];
  const exclusive = ids.map((id) => users.get(id) === 'exclusive');
  await sql`
    select case when exclusive
      then pg_advisory_xact_lock(${USER_LOCK_CLASS}::int, key)
      else pg_advisory_xact_lock_shared(${USER_LOCK_CLASS}::int, key) end
    from (
      select hashtext(id) as key, bool_or(exclusive) as exclusive
      from unnest(${ids}::text[], ${exclusive}::boolean[]) as wanted(id, exclusive)
      group by 1
      order by 1
    ) as ordered`.execute(trx);
}

/** The ids among `userIds` that have a tombstone. */
export async function deletedUsersAmong(trx: AnyExecutor, userIds: readonly string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const result = await sql<{ user_id: string }>`
    select user_id from deleted_user where user_id = any(${userIds}::uuid[])`.execute(trx);
  return new Set(result.rows.map((row) => row.user_id));
}

/**
 * Records that the user is deleted, in the transaction that purges their data. Takes the user's lock
 * exclusively first (a no-op when the consumer already holds it), so events about the user being
 * applied right now finish before the purge, and later ones see the tombstone.
 */
export async function recordDeletedUser(trx: AnyExecutor, userId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(${USER_LOCK_CLASS}::int, hashtext(${userId}))`.execute(trx);
  await sql`
    insert into deleted_user (user_id) values (${userId}::uuid) on conflict do nothing`.execute(trx);
}

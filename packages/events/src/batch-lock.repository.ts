/**
 * SQL of the batch locks (docs/events.md, "Batch locks"): the keys an event handler declares it writes
 * (`lockKeys`), locked for the batch's transaction before any handler runs.
 */
import { sql } from 'kysely';
import type { AnyExecutor } from './schema-agnostic.js';

/** First key of the two-key advisory locks of handler-declared keys (`lockKeys`, docs/events.md "Batch locks"). */
const KEY_LOCK_CLASS = 0x43570002;

/** Locks handler-declared keys exclusively, in one statement and in key order (two batches never deadlock). */
export async function lockKeys(trx: AnyExecutor, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await sql`
    select pg_advisory_xact_lock(${KEY_LOCK_CLASS}::int, key)
    from (select distinct hashtext(k) as key from unnest(${keys}::text[]) as wanted(k) order by 1) as ordered`.execute(
    trx,
  );
}

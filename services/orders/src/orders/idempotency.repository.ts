/**
 * Idempotency keys of checkout: a row is claimed `in_progress` (committed on its own, so a concurrent
 * request with the same key sees it) and completed with the response in the checkout transaction.
 */
import type { Executor } from '@cartwatch/db';
import { type Selectable, sql } from 'kysely';
import type { DB, IdempotencyKeyTable } from '../db/schema.js';

/** A claimed key as a second request finds it; `stale`: its lock timed out. */
export type IdempotencyRow = Pick<
  Selectable<IdempotencyKeyTable>,
  'request_hash' | 'state' | 'response_status' | 'response_body'
> & { stale: boolean };

/** Claims the key; returns undefined when claimed, else the existing row. */
export async function claimKey(
  db: Executor<DB>,
  claim: { userId: string; key: string; requestHash: string; lockTimeoutSeconds: number },
): Promise<IdempotencyRow | undefined> {
  const inserted = await db
    .insertInto('idempotency_key')
    .values({ user_id: claim.userId, key: claim.key, request_hash: claim.requestHash, state: 'in_progress' })
    .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  if (inserted) return undefined;
  return db
    .selectFrom('idempotency_key')
    .select([
      'request_hash',
      'state',
      'response_status',
      'response_body',
      sql<boolean>`locked_at < now() - make_interval(secs => ${claim.lockTimeoutSeconds})`.as('stale'),
    ])
    .where('user_id', '=', claim.userId)
    .where('key', '=', claim.key)
    .executeTakeFirst()
    .then(
      (row) =>
        row ?? {
          request_hash: claim.requestHash,
          state: 'in_progress' as const,
          response_status: null,
          response_body: null,
          stale: false,
        },
    );
}

/** Takes over a key whose request died mid-way (still in progress after the lock timeout). */
export async function takeOverStaleKey(
  db: Executor<DB>,
  claim: { userId: string; key: string; lockTimeoutSeconds: number },
): Promise<boolean> {
  const result = await db
    .updateTable('idempotency_key')
    .set({ locked_at: sql<Date>`now()` })
    .where('user_id', '=', claim.userId)
    .where('key', '=', claim.key)
    .where('state', '=', 'in_progress')
    .where(sql<boolean>`locked_at < now() - make_interval(secs => ${claim.lockTimeoutSeconds})`)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function completeKey(
  db: Executor<DB>,
  done: { userId: string; key: string; status: number; body: unknown },
): Promise<void> {
  await db
    .updateTable('idempotency_key')
    .set({ state: 'completed', response_status: done.status, response_body: JSON.stringify(done.body) })
    .where('user_id', '=', done.userId)
    .where('key', '=', done.key)
    .execute();
}

/** Forgets a key whose request changed nothing (it failed), so the client may retry with it. */
export async function releaseKey(db: Executor<DB>, userId: string, key: string): Promise<void> {
  await db
    .deleteFrom('idempotency_key')
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .where('state', '=', 'in_progress')
    .execute();
}

export async function deleteKeysOlderThan(db: Executor<DB>, hours: number): Promise<number> {
  const result = await db
    .deleteFrom('idempotency_key')
    .where(sql<boolean>`created_at < now() - make_interval(hours => ${hours})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** SQL for per-user inbound e-mail addresses. */
import type { Executor } from '@cartwatch/db';
import type { DB } from '../db/schema.js';

/** The user's token, creating it on first use (concurrent first calls agree on one). */
export async function ensureToken(db: Executor<DB>, userId: string, candidate: string): Promise<string> {
  await db
    .insertInto('inbound_address')
    .values({ user_id: userId, token: candidate })
    .onConflict((oc) => oc.column('user_id').doNothing())
    .execute();
  const row = await db
    .selectFrom('inbound_address')
    .select('token')
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.token;
}

/** Replaces the user's token (creating the row if they never had one); the old token stops matching. */
export async function replaceToken(db: Executor<DB>, userId: string, token: string): Promise<void> {
  await db
    .insertInto('inbound_address')
    .values({ user_id: userId, token })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ token }))
    .execute();
}

export async function findUserByToken(db: Executor<DB>, token: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('inbound_address')
    .select('user_id')
    .where('token', '=', token)
    .executeTakeFirst();
  return row?.user_id;
}

export async function deleteUserAddress(db: Executor<DB>, userId: string): Promise<void> {
  await db.deleteFrom('inbound_address').where('user_id', '=', userId).execute();
}

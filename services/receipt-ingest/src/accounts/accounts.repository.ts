/** SQL for users' store accounts. Credential columns are only ever read by the sync worker. */
import type { Executor } from '@cartwatch/db';
import type { Insertable, Selectable } from 'kysely';
import type { DB, StoreAccountTable } from '../db/schema.js';

export type StoreAccountRow = Selectable<StoreAccountTable>;

export async function upsertAccount(db: Executor<DB>, row: Insertable<StoreAccountTable>): Promise<void> {
  await db
    .insertInto('store_account')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['user_id', 'retailer_id']).doUpdateSet({
        status: row.status,
        credential_ciphertext: row.credential_ciphertext,
        credential_key_id: row.credential_key_id,
        // New credentials: the old session belongs to whoever was logged in before.
        session_ciphertext: null,
        session_key_id: null,
        session_expires_at: null,
        // Possibly another account at the retailer: start its history from the beginning (re-imports dedupe).
        sync_cursor: null,
        next_sync_at: row.next_sync_at ?? null,
        last_error_code: null,
        last_error_message: null,
      }),
    )
    .execute();
}

export interface AccountListRow {
  id: string;
  store_slug: string;
  store_name: string;
  status: string;
  last_sync_at: Date | null;
  last_error_code: string | null;
  connected_at: Date;
}

export async function listAccounts(
  db: Executor<DB>,
  userId: string,
  afterSlug: string | undefined,
  limit: number,
): Promise<AccountListRow[]> {
  let query = db
    .selectFrom('store_account')
    .innerJoin('retailer', 'retailer.id', 'store_account.retailer_id')
    .select([
      'store_account.id',
      'retailer.slug as store_slug',
      'retailer.name as store_name',
      'store_account.status',
      'store_account.last_sync_at',
      'store_account.last_error_code',
      'store_account.connected_at',
    ])
    .where('store_account.user_id', '=', userId)
    .orderBy('retailer.slug')
    .limit(limit);
  if (afterSlug !== undefined) query = query.where('retailer.slug', '>', afterSlug);
  return query.execute();
}

export async function deleteAccount(db: Executor<DB>, userId: string, retailerId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('store_account')
    .where('user_id', '=', userId)
    .where('retailer_id', '=', retailerId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function deleteUserAccounts(db: Executor<DB>, userId: string): Promise<void> {
  await db.deleteFrom('store_account').where('user_id', '=', userId).execute();
}

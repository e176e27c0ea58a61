/** SQL of notification preferences (one row per user; no row = defaults). */
import type { Executor } from '@cartwatch/db';
import type { DB } from '../db/schema.js';

export interface PreferenceRow {
  email_enabled: boolean;
  sms_enabled: boolean;
  push_enabled: boolean;
  webhook_url: string | null;
}

export function findPreferences(db: Executor<DB>, userId: string): Promise<PreferenceRow | undefined> {
  return db
    .selectFrom('notification_preference')
    .select(['email_enabled', 'sms_enabled', 'push_enabled', 'webhook_url'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

export async function upsertPreferences(db: Executor<DB>, userId: string, row: PreferenceRow): Promise<void> {
  await db
    .insertInto('notification_preference')
    .values({ user_id: userId, ...row, updated_at: new Date() })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ ...row, updated_at: new Date() }))
    .execute();
}

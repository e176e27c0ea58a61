/** SQL of notification preferences (one row per user; no row = defaults). */
import type { Executor } from '@cartwatch/db';
import type { DB } from '../db/schema.js';

export interface PreferenceRow {
  email_enabled: boolean;
  sms_enabled: boolean;
  push_enabled: boolean;
  webhook_url: string | null;
  /** The stored per-type rules (validated on the way in; read back with `rulesOf`). */
  alert_types: unknown;
  quiet_start: string | null;
  quiet_end: string | null;
  quiet_time_zone: string | null;
}

export function findPreferences(db: Executor<DB>, userId: string): Promise<PreferenceRow | undefined> {
  return db
    .selectFrom('notification_preference')
    .select([
      'email_enabled',
      'sms_enabled',
      'push_enabled',
      'webhook_url',
      'alert_types',
      'quiet_start',
      'quiet_end',
      'quiet_time_zone',
    ])
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

export async function upsertPreferences(db: Executor<DB>, userId: string, row: PreferenceRow): Promise<void> {
  const values = { ...row, alert_types: JSON.stringify(row.alert_types), updated_at: new Date() };
  await db
    .insertInto('notification_preference')
    .values({ user_id: userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
}

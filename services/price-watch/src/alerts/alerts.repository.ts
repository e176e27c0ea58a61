/** SQL of user alerts and alert settings. */
import type { Executor } from '@cartwatch/db';
import { type Selectable, sql } from 'kysely';
import type { AlertSettingsTable, AlertTable, DB } from '../db/schema.js';

export type AlertRow = Selectable<AlertTable>;
export type AlertSettingsRow = Selectable<AlertSettingsTable>;

export interface NewAlert {
  id: string;
  userId: string;
  kind: string;
  productId: string | null;
  watchId: string | null;
  title: string;
  body: string;
  link: string | null;
  dedupeKey: string;
}

/** Inserts unless the user already has an alert with this de-duplication key; true when inserted. */
export async function insertAlert(db: Executor<DB>, alert: NewAlert): Promise<boolean> {
  const row = await db
    .insertInto('alert')
    .values({
      id: alert.id,
      user_id: alert.userId,
      kind: alert.kind,
      product_id: alert.productId,
      watch_id: alert.watchId,
      title: alert.title,
      body: alert.body,
      link: alert.link,
      dedupe_key: alert.dedupeKey,
    })
    .onConflict((oc) => oc.columns(['user_id', 'dedupe_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Alerts of the user about the product since the start of the current UTC day. */
export async function countAlertsToday(db: Executor<DB>, userId: string, productId: string): Promise<number> {
  const row = await db
    .selectFrom('alert')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('user_id', '=', userId)
    .where('product_id', '=', productId)
    .where('created_at', '>=', sql<Date>`date_trunc('day', now() at time zone 'UTC') at time zone 'UTC'`)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Serialises alert creation per user and product so the daily cap holds under concurrent lanes. */
export async function lockUserProduct(db: Executor<DB>, userId: string, productId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`pricing.alert:${userId}:${productId}`}, 0))`.execute(
    db,
  );
}

export async function findSettings(db: Executor<DB>, userId: string): Promise<AlertSettingsRow | undefined> {
  return db.selectFrom('alert_settings').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

export async function settingsOf(
  db: Executor<DB>,
  userIds: string[],
): Promise<Map<string, AlertSettingsRow>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.selectFrom('alert_settings').selectAll().where('user_id', 'in', userIds).execute();
  return new Map(rows.map((row) => [row.user_id, row]));
}

export async function upsertSettings(
  db: Executor<DB>,
  userId: string,
  values: {
    daily_cap_per_product?: number;
    price_increase_pct?: number;
    price_increases?: boolean;
    shrinkflation?: boolean;
    coupons?: boolean;
  },
): Promise<AlertSettingsRow> {
  return db
    .insertInto('alert_settings')
    .values({ user_id: userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ ...values, updated_at: sql`now()` }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listAlerts(
  db: Executor<DB>,
  userId: string,
  options: { unreadOnly: boolean; beforeId?: string | undefined; limit: number },
): Promise<AlertRow[]> {
  let query = db.selectFrom('alert').selectAll().where('user_id', '=', userId);
  if (options.unreadOnly) query = query.where('read_at', 'is', null);
  if (options.beforeId) query = query.where('id', '<', options.beforeId);
  return query.orderBy('id', 'desc').limit(options.limit).execute();
}

export async function markRead(
  db: Executor<DB>,
  userId: string,
  alertId: string,
): Promise<AlertRow | undefined> {
  return db
    .updateTable('alert')
    .set({ read_at: sql`coalesce(read_at, now())` })
    .where('id', '=', alertId)
    .where('user_id', '=', userId)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteUserAlerts(db: Executor<DB>, userId: string): Promise<void> {
  await db.deleteFrom('alert').where('user_id', '=', userId).execute();
  await db.deleteFrom('alert_settings').where('user_id', '=', userId).execute();
}

/** SQL of watches and their check runs. */
import type { Executor } from '@cartwatch/db';
import { type Insertable, type RawBuilder, type Selectable, sql, type Transaction } from 'kysely';
import type { DB, WatchRunTable, WatchTable } from '../db/schema.js';

export type WatchRow = Selectable<WatchTable>;
export type WatchRunRow = Selectable<WatchRunTable>;

export async function insertWatch(
  db: Executor<DB>,
  watch: {
    id: string;
    userId: string;
    productId: string | null;
    url: string | null;
    urlHost: string | null;
    cssSelector: string | null;
    targetPriceCents: number | null;
    dropPct: number | null;
    increasePct: number | null;
    backInStock: boolean;
    render: boolean;
    paused: boolean;
    /** Unset: the column default (6 hours). */
    checkIntervalSeconds?: number | undefined;
    nextCheckAt: Date | null;
  },
): Promise<WatchRow> {
  return db
    .insertInto('watch')
    .values({
      id: watch.id,
      user_id: watch.userId,
      product_id: watch.productId,
      url: watch.url,
      url_host: watch.urlHost,
      css_selector: watch.cssSelector,
      target_price_cents: watch.targetPriceCents,
      drop_pct: watch.dropPct,
      increase_pct: watch.increasePct,
      back_in_stock: watch.backInStock,
      render: watch.render,
      paused: watch.paused,
      ...(watch.checkIntervalSeconds !== undefined && { check_interval_seconds: watch.checkIntervalSeconds }),
      next_check_at: watch.nextCheckAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findUserWatch(
  db: Executor<DB>,
  userId: string,
  id: string,
): Promise<WatchRow | undefined> {
  return db
    .selectFrom('watch')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

export async function lockWatch(trx: Transaction<DB>, id: string): Promise<WatchRow | undefined> {
  return trx.selectFrom('watch').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function listUserWatches(
  db: Executor<DB>,
  userId: string,
  afterId: string | undefined,
  limit: number,
) {
  let query = db.selectFrom('watch').selectAll().where('user_id', '=', userId);
  if (afterId) query = query.where('id', '>', afterId);
  return query.orderBy('id').limit(limit).execute();
}

export async function updateWatch(
  db: Executor<DB>,
  userId: string,
  id: string,
  values: Partial<{
    target_price_cents: number | null;
    drop_pct: number | null;
    increase_pct: number | null;
    back_in_stock: boolean;
    css_selector: string | null;
    target_armed: boolean;
    render: boolean;
    paused: boolean;
    check_interval_seconds: number;
    next_check_at: RawBuilder<Date>;
  }>,
): Promise<WatchRow | undefined> {
  return db
    .updateTable('watch')
    .set({ ...values, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteWatch(db: Executor<DB>, userId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('watch')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function deleteUserWatches(db: Executor<DB>, userId: string): Promise<void> {
  await db.deleteFrom('watch').where('user_id', '=', userId).execute();
}

export async function insertRun(db: Executor<DB>, run: Insertable<WatchRunTable>): Promise<void> {
  await db.insertInto('watch_run').values(run).execute();
}

export async function listRuns(
  db: Executor<DB>,
  watchId: string,
  beforeId: string | undefined,
  limit: number,
) {
  let query = db.selectFrom('watch_run').selectAll().where('watch_id', '=', watchId);
  if (beforeId) query = query.where('id', '<', beforeId);
  return query.orderBy('id', 'desc').limit(limit).execute();
}

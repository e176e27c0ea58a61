/** SQL of watches and their check runs. */
import type { Executor } from '@cartwatch/db';
import { type Insertable, type Selectable, sql, type Transaction } from 'kysely';
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

/**
 * Locks the unpaused watches of a product, in id order, that a price may alert (docs/price-watch.md,
 * "Consensus prices"): only `onlyUserId`'s, or everyone's but `exceptUserId`'s.
 */
export async function lockActiveProductWatches(
  trx: Transaction<DB>,
  productId: string,
  audience: { onlyUserId?: string | undefined; exceptUserId?: string | undefined },
): Promise<WatchRow[]> {
  let query = trx
    .selectFrom('watch')
    .selectAll()
    .where('product_id', '=', productId)
    .where('paused', '=', false);
  if (audience.onlyUserId) query = query.where('user_id', '=', audience.onlyUserId);
  if (audience.exceptUserId) query = query.where('user_id', '<>', audience.exceptUserId);
  return query.orderBy('id').forUpdate().execute();
}

/** What a check or a price signal leaves on a watch: its re-arm state, last price, availability and time. */
export interface WatchState {
  targetArmed: boolean;
  /** Absent: the signal had no price, the last one stays. */
  price?: { cents: number; currency: string };
  /** Null: unknown, the last availability stays. */
  available: boolean | null;
  checkedAt: string;
}

export async function recordWatchState(db: Executor<DB>, id: string, state: WatchState): Promise<void> {
  await db
    .updateTable('watch')
    .set({
      target_armed: state.targetArmed,
      ...(state.price && { last_price_cents: state.price.cents, last_currency: state.price.currency }),
      ...(state.available !== null && { last_available: state.available }),
      last_checked_at: state.checkedAt,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute();
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
  }>,
): Promise<WatchRow | undefined> {
  const interval = values.check_interval_seconds;
  return db
    .updateTable('watch')
    .set({
      ...values,
      // A shorter interval brings the next check forward; a longer one applies after the next check.
      ...(interval !== undefined && {
        next_check_at: sql<Date>`least(next_check_at, now() + make_interval(secs => ${interval}))`,
      }),
      updated_at: sql`now()`,
    })
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

/** Schedules the next check after a run and clears the run's claim. */
export async function scheduleNextCheck(db: Executor<DB>, id: string, next: Date): Promise<void> {
  await db
    .updateTable('watch')
    .set({ next_check_at: next, check_started_at: null })
    .where('id', '=', id)
    .execute();
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

/**
 * Claims up to `slots` due watches for the scheduler (docs/price-watch.md, "Watches and URL checks"): one candidate per
 * host (its most overdue watch), hosts in `busyHosts` skipped, then the most overdue hosts first. A claim
 * is `check_started_at`; one older than `claimTimeoutSeconds` is taken over. Every condition of a due
 * watch stands in the UPDATE itself, not only in the candidate query: a row another scheduler held is
 * rechecked there on its newest version (a second claimer waits, then finds it claimed, or already
 * checked and rescheduled), so no watch is checked twice.
 */
export async function claimDueWatches(
  db: Executor<DB>,
  options: { slots: number; busyHosts: readonly string[]; claimTimeoutSeconds: number },
): Promise<WatchRow[]> {
  const claimTimeout = `${options.claimTimeoutSeconds} seconds`;
  const hostFilter =
    options.busyHosts.length > 0 ? sql`and url_host <> all(${options.busyHosts}::text[])` : sql``;
  const { rows } = await sql<WatchRow>`
    with candidate as (
      select distinct on (url_host) id, next_check_at
      from watch
      where url is not null and not paused and next_check_at <= now()
        and (check_started_at is null or check_started_at < now() - ${claimTimeout}::interval)
        ${hostFilter}
      order by url_host, next_check_at, id
    )
    update watch set check_started_at = now()
    where id in (select id from candidate order by next_check_at, id limit ${options.slots})
      -- Rechecked on the row's newest version when another scheduler held it: a check that was claimed,
      -- run and rescheduled meanwhile (check_started_at null again, next_check_at ahead) is not due.
      and not paused and next_check_at <= now()
      and (check_started_at is null or check_started_at < now() - ${claimTimeout}::interval)
    returning *`.execute(db);
  return rows;
}

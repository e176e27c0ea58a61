/**
 * SQL of notification deliveries and push subscriptions. A delivery is queued in the transaction that
 * decides to send it (unique idempotency key: queuing twice is a no-op) and claimed by a worker by leasing
 * it (`lease_owner`, `lease_expires_at`) with FOR UPDATE SKIP LOCKED, so two workers never take the same
 * row; a row whose lease expired belonged to a worker that died and is claimable again.
 */
import type { Executor } from '@cartwatch/db';
import { type Insertable, type Selectable, sql, type Transaction } from 'kysely';
import type { DB, DeliveryLane, NotificationDeliveryTable, PushSubscriptionTable } from '../db/schema.js';

export type DeliveryRow = Selectable<NotificationDeliveryTable>;
export type NewDelivery = Pick<
  Insertable<NotificationDeliveryTable>,
  | 'id'
  | 'user_id'
  | 'idempotency_key'
  | 'kind'
  | 'channel'
  | 'lane'
  | 'target'
  | 'title'
  | 'payload'
  | 'max_attempts'
  | 'expires_at'
  | 'run_after'
>;
export type PushSubscriptionRow = Selectable<PushSubscriptionTable>;

/** Queues each delivery unless one with its idempotency key exists; returns how many were new. */
export async function enqueueDeliveries(db: Executor<DB>, rows: NewDelivery[]): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await db
    .insertInto('notification_delivery')
    .values(rows.map((row) => ({ ...row, payload: JSON.stringify(row.payload) })))
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

/**
 * Leases up to `slots[lane]` due deliveries of each lane to `owner` for `leaseMs` and counts the attempt.
 * Due = pending, `run_after` reached, and not leased (or its lease expired: its worker died).
 */
export async function claimDueDeliveries(
  trx: Transaction<DB>,
  options: {
    owner: string;
    leaseMs: number;
    slots: Partial<Record<DeliveryLane, number>>;
    /** The clock `run_after` is compared with (default the database's; tests inject theirs). */
    now?: Date | undefined;
  },
): Promise<DeliveryRow[]> {
  const lanes = Object.entries(options.slots).filter(([, slots]) => (slots ?? 0) > 0);
  if (lanes.length === 0) return [];
  const { rows } = await sql<DeliveryRow>`
    with free as (
      select * from unnest(${lanes.map(([lane]) => lane)}::text[], ${lanes.map(([, slots]) => slots)}::int[])
        as f(lane, slots)
    ), picked as (
      select d.id from free cross join lateral (
        select id from notification_delivery
        where lane = free.lane and status = 'pending'
          and run_after <= ${options.now === undefined ? sql`now()` : sql`${options.now}::timestamptz`}
          and (lease_expires_at is null or lease_expires_at < now())
        order by run_after, id
        limit free.slots
        for update skip locked
      ) d
    )
    update notification_delivery n
    set lease_owner = ${options.owner},
      lease_expires_at = now() + make_interval(secs => ${options.leaseMs / 1000}::double precision),
      attempts = n.attempts + 1
    from picked where n.id = picked.id
    returning n.*`.execute(trx);
  return rows;
}

export type DeliveryEnd =
  | { status: 'sent' }
  | { status: 'failed'; error: string }
  | { status: 'retry'; error: string; retryInMs: number };

/**
 * Records the end of an attempt; only the lease holder may (a worker that lost its lease changes nothing).
 * Account messages (codes, notices) lose their text once sent or failed.
 */
export async function finishDelivery(
  db: Executor<DB>,
  id: string,
  owner: string,
  end: DeliveryEnd,
): Promise<boolean> {
  const base = db
    .updateTable('notification_delivery')
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('lease_owner', '=', owner);
  const released = { lease_owner: null, lease_expires_at: null };
  const scrubbed = {
    payload: sql<unknown>`case when kind = 'alert' then payload else null end`,
    ended_at: sql<Date>`now()`,
  };
  const query =
    end.status === 'sent'
      ? base.set({ ...released, ...scrubbed, status: 'sent', sent_at: sql<Date>`now()`, last_error: null })
      : end.status === 'failed'
        ? base.set({ ...released, ...scrubbed, status: 'failed', last_error: end.error })
        : base.set({
            ...released,
            last_error: end.error,
            run_after: sql<Date>`now() + make_interval(secs => ${end.retryInMs / 1000}::double precision)`,
          });
  const result = await query.executeTakeFirst();
  return (result.numUpdatedRows ?? 0n) > 0n;
}

/** The user's deliveries, newest first, after the cursor's id. */
export async function listUserDeliveries(
  db: Executor<DB>,
  userId: string,
  beforeId: string | undefined,
  limit: number,
): Promise<DeliveryRow[]> {
  let query = db.selectFrom('notification_delivery').selectAll().where('user_id', '=', userId);
  if (beforeId !== undefined) query = query.where('id', '<', beforeId);
  return query.orderBy('id', 'desc').limit(limit).execute();
}

/**
 * Deletes ended deliveries past their time (account messages once expired, alerts after the retention)
 * and account messages that expired unsent (their code is dead); at most `limit` rows per call.
 */
export async function deleteExpiredDeliveries(
  db: Executor<DB>,
  retentionDays: number,
  limit: number,
): Promise<number> {
  const result = await sql`
    delete from notification_delivery where id in (
      select id from notification_delivery
      where (expires_at is not null and expires_at < now() - interval '1 minute'
          and (status <> 'pending' or lease_expires_at is null or lease_expires_at < now()))
        or (expires_at is null and status <> 'pending'
          and ended_at < now() - make_interval(days => ${retentionDays}))
      limit ${limit}
    )`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

// ---- push subscriptions ----

/** Saves a browser's subscription for `userId`; the same endpoint moves to the account that subscribed last. */
export async function upsertPushSubscription(
  db: Executor<DB>,
  row: Pick<PushSubscriptionRow, 'id' | 'user_id' | 'endpoint' | 'p256dh' | 'auth' | 'user_agent'>,
): Promise<PushSubscriptionRow> {
  return db
    .insertInto('push_subscription')
    .values(row)
    .onConflict((oc) =>
      oc.column('endpoint').doUpdateSet({
        user_id: row.user_id,
        p256dh: row.p256dh,
        auth: row.auth,
        user_agent: row.user_agent,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findUserPushSubscriptions(db: Executor<DB>, userId: string): Promise<PushSubscriptionRow[]> {
  return db.selectFrom('push_subscription').selectAll().where('user_id', '=', userId).orderBy('id').execute();
}

export function findPushSubscription(db: Executor<DB>, id: string): Promise<PushSubscriptionRow | undefined> {
  return db.selectFrom('push_subscription').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Deletes a subscription; with `userId`, only that user's. */
export async function deletePushSubscription(
  db: Executor<DB>,
  id: string,
  userId?: string,
): Promise<boolean> {
  let query = db.deleteFrom('push_subscription').where('id', '=', id);
  if (userId !== undefined) query = query.where('user_id', '=', userId);
  const result = await query.executeTakeFirst();
  return (result.numDeletedRows ?? 0n) > 0n;
}

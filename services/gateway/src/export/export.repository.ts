/** SQL of account exports: jobs scoped to their user, leased by the export worker. */
import type { Executor } from '@cartwatch/db';
import { type Selectable, sql, type Transaction } from 'kysely';
import type { AccountExportTable, DB } from '../db/schema.js';

/** A job without its archive (the bytes are read only by the download). */
export type ExportRow = Omit<Selectable<AccountExportTable>, 'archive'>;

const columns = [
  'id',
  'user_id',
  'status',
  'progress_done',
  'attempts',
  'max_attempts',
  'run_after',
  'lease_owner',
  'lease_expires_at',
  'last_error',
  'size_bytes',
  'created_at',
  'finished_at',
  'expires_at',
  'downloaded_at',
] as const;

/** Serializes one user's export requests (the active check, the daily count and the insert). */
export async function lockUserExports(trx: Transaction<DB>, userId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`account_export:${userId}`}, 0))`.execute(trx);
}

export async function findActiveExport(db: Executor<DB>, userId: string): Promise<ExportRow | undefined> {
  return db
    .selectFrom('account_export')
    .select(columns)
    .where('user_id', '=', userId)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirst();
}

/** Exports the user asked for since `since`, oldest first (the rate limit's window). */
export async function exportTimesSince(db: Executor<DB>, userId: string, since: Date): Promise<Date[]> {
  const rows = await db
    .selectFrom('account_export')
    .select('created_at')
    .where('user_id', '=', userId)
    .where('created_at', '>', since)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => row.created_at);
}

export async function insertExport(
  db: Executor<DB>,
  row: { id: string; user_id: string; max_attempts: number },
): Promise<ExportRow> {
  return db.insertInto('account_export').values(row).returning(columns).executeTakeFirstOrThrow();
}

export async function findUserExport(
  db: Executor<DB>,
  userId: string,
  id: string,
): Promise<ExportRow | undefined> {
  return db
    .selectFrom('account_export')
    .select(columns)
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * The archive of a ready, unexpired export of the user; marks the first download, after which the
 * archive stays an hour at most (enough to retry a broken download).
 */
export async function takeArchive(
  db: Executor<DB>,
  userId: string,
  id: string,
  graceMs: number,
): Promise<{ archive: Buffer; created_at: Date } | undefined> {
  const row = await db
    .updateTable('account_export')
    .set({
      downloaded_at: sql`coalesce(downloaded_at, now())`,
      expires_at: sql`least(expires_at, coalesce(downloaded_at, now()) + make_interval(secs => ${graceMs / 1000}::double precision))`,
    })
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .where('status', '=', 'ready')
    .where('expires_at', '>', sql<Date>`now()`)
    .where('archive', 'is not', null)
    .returning(['archive', 'created_at'])
    .executeTakeFirst();
  return row?.archive ? { archive: row.archive, created_at: row.created_at } : undefined;
}

/** Leases up to `limit` due jobs: queued and due, or running under a lease that ran out (its worker died). */
export async function claimDueExports(
  trx: Transaction<DB>,
  options: { owner: string; leaseMs: number; limit: number },
): Promise<ExportRow[]> {
  if (options.limit <= 0) return [];
  const { rows } = await sql<ExportRow>`
    with picked as (
      select id from account_export
      where (status = 'queued' and run_after <= now())
         or (status = 'running' and lease_expires_at < now())
      order by run_after, id
      limit ${options.limit}
      for update skip locked
    )
    update account_export e
    set status = 'running', lease_owner = ${options.owner}, progress_done = 0,
      lease_expires_at = now() + make_interval(secs => ${options.leaseMs / 1000}::double precision),
      attempts = e.attempts + 1
    from picked where e.id = picked.id
    returning ${sql.join(columns.map((column) => sql.ref(`e.${column}`)))}`.execute(trx);
  return rows;
}

/** Records an area collected; false when the lease is no longer this worker's. */
export async function recordProgress(
  db: Executor<DB>,
  id: string,
  owner: string,
  done: number,
): Promise<boolean> {
  const result = await db
    .updateTable('account_export')
    .set({ progress_done: done })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export type ExportEnd =
  | { status: 'ready'; archive: Buffer; retentionMs: number }
  | { status: 'failed'; error: string; retentionMs: number }
  | { status: 'retry'; error: string; retryInMs: number };

/** Records the end of a run; only the lease holder may (a run whose lease was taken over changes nothing). */
export async function finishExport(
  db: Executor<DB>,
  id: string,
  owner: string,
  end: ExportEnd,
): Promise<boolean> {
  const base = db
    .updateTable('account_export')
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'running');
  const released = { lease_owner: null, lease_expires_at: null };
  const until = (ms: number) => sql<Date>`now() + make_interval(secs => ${ms / 1000}::double precision)`;
  const result =
    end.status === 'ready'
      ? await base
          .set({
            ...released,
            status: 'ready',
            archive: end.archive,
            size_bytes: end.archive.length,
            last_error: null,
            finished_at: sql`now()`,
            expires_at: until(end.retentionMs),
          })
          .executeTakeFirst()
      : end.status === 'failed'
        ? await base
            .set({
              ...released,
              status: 'failed',
              last_error: end.error,
              finished_at: sql`now()`,
              expires_at: until(end.retentionMs),
            })
            .executeTakeFirst()
        : await base
            .set({ ...released, status: 'queued', last_error: end.error, run_after: until(end.retryInMs) })
            .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Drops the archives whose time is up (the row stays, `expired`, so the rate limit still counts it). */
export async function expireArchives(db: Executor<DB>): Promise<number> {
  const result = await db
    .updateTable('account_export')
    .set({ status: 'expired', archive: null })
    .where('status', '=', 'ready')
    .where('expires_at', '<=', sql<Date>`now()`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Deletes the records of exports older than `days` (their archives went long before). */
export async function deleteOldExports(db: Executor<DB>, days: number): Promise<number> {
  const result = await db
    .deleteFrom('account_export')
    .where('status', 'in', ['expired', 'failed', 'ready'])
    .where('created_at', '<', sql<Date>`now() - make_interval(days => ${days})`)
    .where(({ eb, or }) => or([eb('expires_at', 'is', null), eb('expires_at', '<=', sql<Date>`now()`)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

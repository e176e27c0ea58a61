/**
 * SQL of store sync jobs and the sync bookkeeping of store accounts. A job is claimed by leasing it
 * (`lease_owner`, `lease_expires_at`) inside a transaction that reads it `FOR UPDATE SKIP LOCKED`, so two
 * workers never take the same job; a running job whose lease expired belonged to a dead worker and is
 * claimable again.
 */
import type { Executor } from '@cartwatch/db';
import { type Selectable, sql, type Transaction } from 'kysely';
import type { DB, StoreAccountTable, SyncJobTable } from '../db/schema.js';

export type SyncJobRow = Selectable<SyncJobTable>;
export type SyncJobWithStore = SyncJobRow & { store_slug: string };

/** `now() + interval × (1 ± jitter)`, the jitter drawn per row so accounts connected together spread out. */
function jitteredFromNow(intervalMs: number, jitter: number) {
  return sql<Date>`now() + make_interval(secs => ${intervalMs / 1000}::double precision * (1 + ${jitter}::double precision * (2 * random() - 1)))`;
}

export interface PlanOptions {
  intervalMs: number;
  jitter: number;
}

export async function findAccount(db: Executor<DB>, userId: string, retailerId: string) {
  return db
    .selectFrom('store_account')
    .select(['id', 'status'])
    .where('user_id', '=', userId)
    .where('retailer_id', '=', retailerId)
    .executeTakeFirst();
}

/**
 * Queues a job for the account unless one is queued or running (the partial unique index decides, so
 * concurrent requests cannot both insert), and plans the next periodic sync one interval later.
 */
export async function enqueueJob(
  trx: Transaction<DB>,
  job: Pick<SyncJobRow, 'id' | 'store_account_id' | 'user_id' | 'retailer_id' | 'trigger' | 'max_attempts'>,
  plan: PlanOptions,
): Promise<SyncJobRow | undefined> {
  const { rows } = await sql<SyncJobRow>`
    insert into sync_job (id, store_account_id, user_id, retailer_id, trigger, state, max_attempts)
    values (${job.id}, ${job.store_account_id}, ${job.user_id}, ${job.retailer_id}, ${job.trigger}, 'queued', ${job.max_attempts})
    on conflict (store_account_id) where state in ('queued', 'running') do nothing
    returning *`.execute(trx);
  if (rows[0]) {
    await trx
      .updateTable('store_account')
      .set({ next_sync_at: jitteredFromNow(plan.intervalMs, plan.jitter) })
      .where('id', '=', job.store_account_id)
      .execute();
  }
  return rows[0];
}

export async function findActiveJob(db: Executor<DB>, accountId: string): Promise<SyncJobRow | undefined> {
  return db
    .selectFrom('sync_job')
    .selectAll()
    .where('store_account_id', '=', accountId)
    .where('state', 'in', ['queued', 'running'])
    .executeTakeFirst();
}

export async function findUserJob(
  db: Executor<DB>,
  userId: string,
  jobId: string,
): Promise<SyncJobWithStore | undefined> {
  return db
    .selectFrom('sync_job')
    .innerJoin('retailer', 'retailer.id', 'sync_job.retailer_id')
    .selectAll('sync_job')
    .select('retailer.slug as store_slug')
    .where('sync_job.id', '=', jobId)
    .where('sync_job.user_id', '=', userId)
    .executeTakeFirst();
}

export interface StatusRow {
  store_slug: string;
  store_name: string;
  account_status: string;
  last_sync_at: Date | null;
  next_sync_at: Date | null;
  last_error_code: string | null;
  last_error_message: string | null;
  job_id: string | null;
  job_state: SyncJobRow['state'] | null;
  job_run_after: Date | null;
  job_error_code: string | null;
  job_error_message: string | null;
  job_imported_count: number | null;
  job_already_known_count: number | null;
  last_run_at: Date | null;
}

/** Each account of the user with its latest job and when a job of it last finished. */
export async function listStatuses(
  db: Executor<DB>,
  userId: string,
  afterSlug: string | undefined,
  limit: number,
): Promise<StatusRow[]> {
  const after = afterSlug === undefined ? sql`` : sql`and r.slug > ${afterSlug}`;
  const { rows } = await sql<StatusRow>`
    select r.slug as store_slug, r.name as store_name, a.status as account_status, a.last_sync_at,
      a.next_sync_at, a.last_error_code, a.last_error_message,
      j.id as job_id, j.state as job_state, j.run_after as job_run_after, j.error_code as job_error_code,
      j.error_message as job_error_message, j.imported_count as job_imported_count,
      j.already_known_count as job_already_known_count,
      (select max(f.finished_at) from sync_job f where f.store_account_id = a.id) as last_run_at
    from store_account a
    join retailer r on r.id = a.retailer_id
    left join lateral (
      select * from sync_job s where s.store_account_id = a.id order by s.created_at desc, s.id desc limit 1
    ) j on true
    where a.user_id = ${userId} ${after}
    order by r.slug
    limit ${limit}`.execute(db);
  return rows;
}

/**
 * Queues a scheduled job for every account whose periodic sync is due (at most `limit`), skipping
 * accounts another scheduler is planning right now, and plans each one's next sync.
 */
export async function enqueueDueJobs(
  trx: Transaction<DB>,
  options: PlanOptions & { slugs: string[]; maxAttempts: number; limit: number; newId: () => string },
): Promise<number> {
  if (options.slugs.length === 0) return 0;
  const { rows: due } = await sql<{ id: string; user_id: string; retailer_id: string }>`
    select a.id, a.user_id, a.retailer_id
    from store_account a join retailer r on r.id = a.retailer_id
    where a.status <> 'reconnect_required' and a.next_sync_at <= now() and r.slug = any(${options.slugs}::text[])
    order by a.next_sync_at
    limit ${options.limit}
    for update of a skip locked`.execute(trx);
  let queued = 0;
  for (const account of due) {
    const job = await enqueueJob(
      trx,
      {
        id: options.newId(),
        store_account_id: account.id,
        user_id: account.user_id,
        retailer_id: account.retailer_id,
        trigger: 'scheduled',
        max_attempts: options.maxAttempts,
      },
      options,
    );
    if (job) queued++;
    else {
      // A job is already queued or running (e.g. a manual one): the period counts as synced.
      await trx
        .updateTable('store_account')
        .set({ next_sync_at: jitteredFromNow(options.intervalMs, options.jitter) })
        .where('id', '=', account.id)
        .execute();
    }
  }
  return queued;
}

export interface ClaimOptions {
  owner: string;
  leaseMs: number;
  limit: number;
  retailerConcurrency: number;
  retailerDelayMs: number;
}

/**
 * Leases up to `limit` runnable jobs (queued and due, or running with an expired lease) to `owner`,
 * honouring the per-retailer limits across all workers: at most `retailerConcurrency` live leases per
 * retailer and `retailerDelayMs` between two starts. The retailer row is locked (`SKIP LOCKED`, never
 * waited for) while its limits are checked, so two claimers cannot both take the last slot.
 */
export async function claimJobs(trx: Transaction<DB>, options: ClaimOptions): Promise<SyncJobWithStore[]> {
  const { rows: candidates } = await sql<SyncJobRow>`
    select * from sync_job
    where (state = 'queued' and run_after <= now()) or (state = 'running' and lease_expires_at < now())
    order by run_after, id
    limit ${options.limit * 5 + 10}
    for update skip locked`.execute(trx);
  const claimed: SyncJobWithStore[] = [];
  const passedOver = new Set<string>();
  for (const job of candidates) {
    if (claimed.length >= options.limit) break;
    if (passedOver.has(job.retailer_id)) continue;
    const { rows: locked } = await sql<{ slug: string }>`
      select slug from retailer where id = ${job.retailer_id} for no key update skip locked`.execute(trx);
    const slug = locked[0]?.slug;
    const { rows: load } = await sql<{ running: number; recent: boolean }>`
      select count(*) filter (where state = 'running' and lease_expires_at >= now())::int as running,
        coalesce(bool_or(started_at > now() - make_interval(secs => ${options.retailerDelayMs / 1000}::double precision)), false) as recent
      from sync_job where retailer_id = ${job.retailer_id} and id <> ${job.id}`.execute(trx);
    const { running = 0, recent = false } = load[0] ?? {};
    if (slug === undefined || running >= options.retailerConcurrency || recent) {
      passedOver.add(job.retailer_id);
      continue;
    }
    const { rows } = await sql<SyncJobRow>`
      update sync_job set state = 'running', attempt = attempt + 1, lease_owner = ${options.owner},
        lease_expires_at = now() + make_interval(secs => ${options.leaseMs / 1000}::double precision),
        started_at = now(), finished_at = null
      where id = ${job.id}
      returning *`.execute(trx);
    if (rows[0]) claimed.push({ ...rows[0], store_slug: slug });
  }
  return claimed;
}

/** Extends a lease this owner still holds; false when the job was taken over (the worker must stop). */
export async function renewLease(
  db: Executor<DB>,
  jobId: string,
  owner: string,
  leaseMs: number,
): Promise<boolean> {
  const result = await sql`
    update sync_job set lease_expires_at = now() + make_interval(secs => ${leaseMs / 1000}::double precision)
    where id = ${jobId} and state = 'running' and lease_owner = ${owner}`.execute(db);
  return (result.numAffectedRows ?? 0n) > 0n;
}

export type JobEnd =
  | { state: 'succeeded'; importedCount: number; alreadyKnownCount: number }
  | {
      state: 'failed';
      errorCode: string;
      errorMessage: string;
      importedCount: number;
      alreadyKnownCount: number;
    }
  | { state: 'queued'; errorCode: string; errorMessage: string; retryInMs: number };

/** Ends (or re-queues) a run; only the lease holder may, so a run that lost its lease changes nothing. */
export async function finishRun(
  trx: Transaction<DB>,
  jobId: string,
  owner: string,
  end: JobEnd,
): Promise<SyncJobRow | undefined> {
  const base = trx
    .updateTable('sync_job')
    .where('id', '=', jobId)
    .where('state', '=', 'running')
    .where('lease_owner', '=', owner)
    .returningAll();
  if (end.state === 'queued') {
    return base
      .set({
        state: 'queued',
        lease_owner: null,
        lease_expires_at: null,
        run_after: sql<Date>`now() + make_interval(secs => ${end.retryInMs / 1000}::double precision)`,
        error_code: end.errorCode,
        error_message: end.errorMessage,
      })
      .executeTakeFirst();
  }
  return base
    .set({
      state: end.state,
      lease_owner: null,
      lease_expires_at: null,
      finished_at: sql<Date>`now()`,
      imported_count: end.importedCount,
      already_known_count: end.alreadyKnownCount,
      error_code: end.state === 'failed' ? end.errorCode : null,
      error_message: end.state === 'failed' ? end.errorMessage : null,
    })
    .executeTakeFirst();
}

export type SyncAccountRow = Selectable<StoreAccountTable> & { store_slug: string };

export async function findAccountForSync(
  db: Executor<DB>,
  accountId: string,
): Promise<SyncAccountRow | undefined> {
  return db
    .selectFrom('store_account')
    .innerJoin('retailer', 'retailer.id', 'store_account.retailer_id')
    .selectAll('store_account')
    .select('retailer.slug as store_slug')
    .where('store_account.id', '=', accountId)
    .executeTakeFirst();
}

export interface SessionUpdate {
  ciphertext: Buffer;
  keyId: string;
  expiresAt: Date;
}

export async function recordSyncSuccess(
  trx: Transaction<DB>,
  accountId: string,
  update: { cursor: string | null; session: SessionUpdate },
): Promise<void> {
  await trx
    .updateTable('store_account')
    .set({
      status: 'connected',
      sync_cursor: update.cursor,
      session_ciphertext: update.session.ciphertext,
      session_key_id: update.session.keyId,
      session_expires_at: update.session.expiresAt,
      last_sync_at: sql<Date>`now()`,
      last_error_code: null,
      last_error_message: null,
    })
    .where('id', '=', accountId)
    .execute();
}

/**
 * A failed run. LOGIN_FAILED: the credentials are refused, so the session is forgotten and no periodic
 * sync is planned until the user re-connects. Otherwise the account shows the error and keeps its plan.
 */
export async function recordSyncFailure(
  trx: Transaction<DB>,
  accountId: string,
  failure: { code: string; message: string },
): Promise<void> {
  const loginFailed = failure.code === 'LOGIN_FAILED';
  await trx
    .updateTable('store_account')
    .set({
      status: loginFailed ? 'reconnect_required' : 'error',
      last_error_code: failure.code,
      last_error_message: failure.message,
      ...(loginFailed && {
        session_ciphertext: null,
        session_key_id: null,
        session_expires_at: null,
        next_sync_at: null,
      }),
    })
    .where('id', '=', accountId)
    .execute();
}

/** While a job runs the account shows `syncing` (unless it needs re-connecting). */
export async function markSyncing(db: Executor<DB>, accountId: string): Promise<void> {
  await db
    .updateTable('store_account')
    .set({ status: 'syncing' })
    .where('id', '=', accountId)
    .where('status', '<>', 'reconnect_required')
    .execute();
}

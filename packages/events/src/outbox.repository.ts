/** SQL of the outbox relay. All names unqualified: the connection's search_path is the service schema. */
import { CompiledQuery, sql } from 'kysely';
import type pg from 'pg';
import {
  OUTBOX_CHANNEL_PREFIX,
  RELAY_AWAKE_SUFFIX,
  RELAY_LOCK_CLASS,
  RELAY_WRITERS_SUFFIX,
} from './outbox-channel.js';
import type { AnyExecutor } from './schema-agnostic.js';

export interface UnpublishedRow {
  seq: number;
  id: string;
  type: string;
  /** The envelope as JSON text, published byte for byte. */
  payload: string;
}

/** One outbox row to write: the envelope's id and type, and the whole envelope as JSON text. */
export interface OutboxInsert {
  id: string;
  type: string;
  payload: string;
}

const INSERT_CHUNK = 1_000;
/** Statement texts by row count (the usual counts repeat: 1, a service's batch size, a full chunk). */
const insertTexts = new Map<number, string>();
const MAX_CACHED_TEXTS = 64;

/**
 * The relay's wake-up as a query, run by the statement that writes the outbox rows (docs/events.md,
 * "Relay wake-ups"). A NOTIFY makes Postgres take a database-wide lock at commit and hold it through the
 * WAL flush, so notifying transactions commit one at a time; a relay that is awake polls every few ms and
 * needs none.
 * 1. Hold the `writers` lock shared until commit: the relay cannot fall asleep while this write is
 *    uncommitted (it checks for writers before it stops polling). The `offset 0` subquery keeps it a
 *    separate plan step, evaluated before the outer select (a subquery with OFFSET is never flattened).
 * 2. If the `awake` lock is free (no relay polling), release it at once and NOTIFY: delivered only when
 *    the transaction commits (and collapsed within it), so a rolled-back write wakes nobody. `concat`
 *    evaluates both calls; CASE evaluates them only when the lock was free.
 * current_schema() is the service schema: every connection has search_path=<schema>.
 */
const WAKE_RELAY = `select case
    when pg_try_advisory_lock_shared(${RELAY_LOCK_CLASS}, hashtext(current_schema() || '${RELAY_AWAKE_SUFFIX}'))
    then concat(
      pg_advisory_unlock_shared(${RELAY_LOCK_CLASS}, hashtext(current_schema() || '${RELAY_AWAKE_SUFFIX}')),
      pg_notify(left('${OUTBOX_CHANNEL_PREFIX}' || current_schema(), 63), ''))
  end as woke
  from (
    select pg_advisory_xact_lock_shared(${RELAY_LOCK_CLASS}, hashtext(current_schema() || '${RELAY_WRITERS_SUFFIX}'))
    offset 0) as writers`;

/**
 * `insert into outbox ... values ($1::uuid, $2, $3::jsonb), ...` for `count` rows; with `wake`, the same
 * insert as a data-modifying CTE of the relay's wake-up query, so both are one statement.
 */
export function outboxInsertText(count: number, wake: boolean): string {
  const key = wake ? -count : count;
  let text = insertTexts.get(key);
  if (text === undefined) {
    const values = Array.from(
      { length: count },
      (_, row) => `($${3 * row + 1}::uuid, $${3 * row + 2}, $${3 * row + 3}::jsonb)`,
    );
    const insert = `insert into outbox (id, type, payload) values ${values.join(', ')}`;
    text = wake ? `with inserted as (${insert}) ${WAKE_RELAY}` : insert;
    if (insertTexts.size < MAX_CACHED_TEXTS) insertTexts.set(key, text);
  }
  return text;
}

/**
 * Writes the rows in the given order (multi-row inserts, three parameters per row, so chunks stay far
 * below Postgres' 65535) and queues the relay's wake-up, all in the caller's transaction: the last chunk
 * and the wake-up are one statement, so a publish costs one round trip to Postgres. The statement is
 * written directly (a cached text per row count and a flat parameter list) instead of through Kysely's
 * `sql` templates, whose per-row nodes and compilation were 7 % of the producing process's CPU in the
 * event benchmark.
 */
export async function insertOutboxRows(db: AnyExecutor, rows: readonly OutboxInsert[]): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const chunk = rows.slice(start, start + INSERT_CHUNK);
    const parameters: string[] = [];
    for (const row of chunk) parameters.push(row.id, row.type, row.payload);
    const last = start + INSERT_CHUNK >= rows.length;
    await db.executeQuery(CompiledQuery.raw(outboxInsertText(chunk.length, last), parameters));
  }
}

/**
 * The next `limit` unpublished rows in seq order, read by walking the partial index
 * `outbox_unpublished_seq_idx` in order. The planner is told so: with a stale estimate of few unpublished
 * rows (the usual state, so the usual statistics), it would otherwise pick a bitmap scan of the whole
 * backlog, turn every payload into text and sort them all to keep `limit` — a round that grows with the
 * backlog, i.e. slowest exactly when a burst has to be drained (88 ms instead of 1 ms at a backlog of
 * 20,000 rows; bench/results/events.md). The `set local`s and the select go as one simple-protocol query,
 * i.e. one round trip in one implicit transaction (the settings end with it, even on an error).
 */
export async function findUnpublished(pool: pg.Pool, limit: number): Promise<UnpublishedRow[]> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`invalid batch size ${limit}`);
  const results = (await pool.query(`
    set local enable_bitmapscan = off;
    set local enable_seqscan = off;
    select seq, id, type, payload::text as payload
    from outbox
    where published_at is null
    order by seq
    limit ${limit}`)) as unknown as Array<pg.QueryResult<UnpublishedRow>>;
  return results.at(-1)?.rows ?? [];
}

/** Marks rows published and records the subject they went to. */
export async function markPublished(db: AnyExecutor, seqs: readonly number[], subjectPrefix: string) {
  if (seqs.length === 0) return;
  await sql`
    update outbox
    set published_at = now(), subject = ${subjectPrefix} || '.' || type
    where seq = any(${seqs}::bigint[])`.execute(db);
}

export async function recordPublishFailure(db: AnyExecutor, seq: number, error: string): Promise<void> {
  await sql`
    update outbox set attempts = attempts + 1, last_error = ${error.slice(0, 2_000)}
    where seq = ${seq}`.execute(db);
}

/** Deletes up to `limit` published rows older than `olderThanMs`; returns how many went. */
export async function deletePublishedBefore(
  db: AnyExecutor,
  olderThanMs: number,
  limit: number,
): Promise<number> {
  // Published rows are a prefix of seq order in practice, so walking the primary key from the start is cheap.
  const result = await sql`
    delete from outbox
    where seq in (
      select seq from outbox
      where published_at is not null and published_at < now() - make_interval(secs => ${olderThanMs / 1000})
      order by seq
      limit ${limit})`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

export async function readBacklog(db: AnyExecutor): Promise<{ backlog: number; oldestAgeSeconds: number }> {
  const result = await sql<{ backlog: number; oldest_age_seconds: number }>`
    select count(*)::int as backlog,
           coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as oldest_age_seconds
    from outbox
    where published_at is null`.execute(db);
  const row = result.rows[0];
  return { backlog: row?.backlog ?? 0, oldestAgeSeconds: row?.oldest_age_seconds ?? 0 };
}

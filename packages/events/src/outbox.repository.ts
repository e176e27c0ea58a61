/** SQL of the outbox relay. All names unqualified: the connection's search_path is the service schema. */
import { sql } from 'kysely';
import type pg from 'pg';
import type { AnyExecutor } from './schema-agnostic.js';

export interface UnpublishedRow {
  seq: number;
  id: string;
  type: string;
  /** The envelope as JSON text, published byte for byte. */
  payload: string;
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

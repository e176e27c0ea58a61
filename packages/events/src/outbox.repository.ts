/** SQL of the outbox relay. All names unqualified: the connection's search_path is the service schema. */
import { sql } from 'kysely';
import { OUTBOX_CHANNEL_PREFIX } from './outbox-channel.js';
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

/** Multi-row inserts in the given order; three parameters per row, so chunks stay far below Postgres' 65535. */
export async function insertOutboxRows(db: AnyExecutor, rows: readonly OutboxInsert[]): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const chunk = rows
      .slice(start, start + INSERT_CHUNK)
      .map((row) => sql`(${row.id}::uuid, ${row.type}, ${row.payload}::jsonb)`);
    await sql`insert into outbox (id, type, payload) values ${sql.join(chunk)}`.execute(db);
  }
}

/**
 * Wakes the relay. NOTIFY is delivered only when the transaction commits (and collapsed within it), so a
 * rolled-back write wakes nobody. current_schema() is the service schema: every connection has
 * search_path=<schema>.
 */
export async function notifyOutbox(db: AnyExecutor): Promise<void> {
  await sql`select pg_notify(left(${OUTBOX_CHANNEL_PREFIX} || current_schema(), 63), '')`.execute(db);
}

export async function findUnpublished(db: AnyExecutor, limit: number): Promise<UnpublishedRow[]> {
  const result = await sql<UnpublishedRow>`
    select seq, id, type, payload::text as payload
    from outbox
    where published_at is null
    order by seq
    limit ${limit}`.execute(db);
  return result.rows;
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

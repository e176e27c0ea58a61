/**
 * Independent evidence of a detection (docs/shrinkflation.md, "Independent evidence"): which and how many
 * distinct shoppers' receipts back it (they may read their own claim), whether a store source does, and when its sole contributors were alerted
 * (before it may alert every buyer).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table shrinkflation
      add column contributors integer not null default 0,
      add column contributor_ids uuid[] not null default '{}',
      add column store_sourced boolean not null default false,
      add column independent_evidence boolean not null default false,
      add column contributors_alerted_at timestamptz`.execute(db);
  // Existing detections: counted from their evidence.
  await sql`
    update shrinkflation s set contributors = e.contributors, contributor_ids = e.contributor_ids,
                               store_sourced = e.store_sourced
    from (
      select s2.id,
             count(distinct o.user_id) filter (where o.source = 'receipt') as contributors,
             coalesce(array_agg(distinct o.user_id) filter (where o.source = 'receipt' and o.user_id is not null), '{}') as contributor_ids,
             coalesce(bool_or(o.source <> 'receipt'), false) as store_sourced
      from shrinkflation s2
      join pack_observation o on o.observation_id::text in (
        select jsonb_array_elements_text(s2.evidence->'before')
        union all select jsonb_array_elements_text(s2.evidence->'after'))
      group by s2.id
    ) e where e.id = s.id`.execute(db);
  await sql`update shrinkflation set independent_evidence = store_sourced or contributors >= 3`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table shrinkflation drop column contributors, drop column contributor_ids, drop column store_sourced,
      drop column independent_evidence, drop column contributors_alerted_at`.execute(db);
}

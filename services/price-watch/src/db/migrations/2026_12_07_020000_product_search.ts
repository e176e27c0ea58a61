/**
 * Search by name, brand and GTIN tolerant of typos (docs/price-watch.md, "Search"): pg_trgm's
 * word_similarity (the best match of the query against any run of words of the name or brand), reached
 * through a wrapper like product_name_similarity, and a trigram index on brands.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const { rows } = await sql<{ schema: string }>`
    select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
    where e.extname = 'pg_trgm'`.execute(db);
  const trgm = rows[0]?.schema;
  if (!trgm) throw new Error('pg_trgm is not installed');
  await sql`
    create function product_word_similarity(query text, target text) returns real
    language sql immutable strict parallel safe
    as ${sql.lit(`select ${trgm.replaceAll('"', '""')}.word_similarity(query, target)`)}`.execute(db);
  await sql`create index product_brand_trgm on product using gin (brand_norm ${sql.id(trgm)}.gin_trgm_ops)`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index product_brand_trgm`.execute(db);
  await sql`drop function product_word_similarity(text, text)`.execute(db);
}

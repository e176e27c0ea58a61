/**
 * Merge candidates an admin dismissed (docs/price-watch.md, "Merge candidates"): the pair, smaller id
 * first, never suggested again.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table product_merge_dismissal (
      product_a uuid not null references product (id),
      product_b uuid not null references product (id),
      dismissed_by uuid not null,
      dismissed_at timestamptz not null default now(),
      primary key (product_a, product_b),
      check (product_a < product_b)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table product_merge_dismissal`.execute(db);
}

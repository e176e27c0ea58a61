/**
 * Complete products (docs/price-watch.md, "Product attributes"): each source's newest statement of a
 * product's brand, category and pack size (one vote per store catalog or receipt contributor), admins'
 * overrides, and the history of every change (who, when, old -> new).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table product_attribute_vote (
      product_id uuid not null references product (id),
      attribute text not null check (attribute in ('brand', 'category', 'size')),
      source text not null check (source in ('catalog', 'receipt')),
      voter text not null,
      value text not null,
      observed_at timestamptz not null,
      primary key (product_id, attribute, source, voter)
    )`.execute(db);
  await sql`
    create table product_attribute_override (
      product_id uuid not null references product (id),
      attribute text not null check (attribute in ('brand', 'category', 'size')),
      value text,
      set_by uuid not null,
      set_at timestamptz not null default now(),
      primary key (product_id, attribute)
    )`.execute(db);
  await sql`
    create table product_history (
      seq bigserial primary key,
      id uuid not null unique,
      product_id uuid not null references product (id),
      attribute text not null check (attribute in ('brand', 'category', 'size')),
      old_value text,
      new_value text,
      cause text not null check (cause in ('evidence', 'admin', 'admin-clear')),
      actor_user_id uuid,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index product_history_product on product_history (product_id, seq desc)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table product_history`.execute(db);
  await sql`drop table product_attribute_override`.execute(db);
  await sql`drop table product_attribute_vote`.execute(db);
}

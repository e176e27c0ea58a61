/** Watches (product or URL, with thresholds), their check runs, user alerts and alert settings. */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table watch (
      id uuid primary key,
      user_id uuid not null,
      product_id uuid references product (id),
      url text,
      url_host text,
      css_selector text,
      target_price_cents bigint,
      drop_pct numeric(6, 2),
      increase_pct numeric(6, 2),
      back_in_stock boolean not null default false,
      target_armed boolean not null default true,
      last_price_cents bigint,
      last_currency char(3),
      last_available boolean,
      last_checked_at timestamptz,
      next_check_at timestamptz,
      check_interval_seconds integer not null default 21600,
      check_started_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((product_id is null) <> (url is null))
    )`.execute(db);
  await sql`create index watch_user on watch (user_id, id)`.execute(db);
  await sql`create index watch_product on watch (product_id) where product_id is not null`.execute(db);
  await sql`create index watch_due on watch (next_check_at) where url is not null`.execute(db);

  await sql`
    create table watch_run (
      id uuid primary key,
      watch_id uuid not null references watch (id) on delete cascade,
      user_id uuid not null,
      started_at timestamptz not null,
      finished_at timestamptz not null,
      price_cents bigint,
      currency char(3),
      available boolean,
      method text,
      error_code text,
      error text
    )`.execute(db);
  await sql`create index watch_run_watch on watch_run (watch_id, id)`.execute(db);

  await sql`
    create table alert (
      id uuid primary key,
      user_id uuid not null,
      kind text not null,
      product_id uuid,
      watch_id uuid,
      title text not null,
      body text not null,
      link text,
      dedupe_key text not null,
      read_at timestamptz,
      created_at timestamptz not null default now(),
      unique (user_id, dedupe_key)
    )`.execute(db);
  await sql`create index alert_user on alert (user_id, id)`.execute(db);
  await sql`create index alert_user_product_day on alert (user_id, product_id, created_at)`.execute(db);

  await sql`
    create table alert_settings (
      user_id uuid primary key,
      daily_cap_per_product integer not null default 3,
      price_increase_pct numeric(6, 2) not null default 10,
      price_increases boolean not null default true,
      shrinkflation boolean not null default true,
      coupons boolean not null default true,
      updated_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['alert_settings', 'alert', 'watch_run', 'watch']) {
    await sql`drop table if exists ${sql.id(table)}`.execute(db);
  }
}

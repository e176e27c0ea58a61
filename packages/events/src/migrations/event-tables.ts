/**
 * Frozen DDL of the outbox and inbox tables. Every service calls `eventTablesV1.up` from its first
 * migration; a later change ships as `eventTablesV2` so already-applied migrations never change meaning.
 * Names are unqualified: the connection's search_path picks the service schema.
 */
import { type Kysely, sql } from 'kysely';

export const eventTablesV1 = {
  async up(db: Kysely<unknown>): Promise<void> {
    // seq is the publication order; id is the envelope id (JetStream msgID); payload is the whole envelope.
    // subject is null until the relay publishes the row, then it records where the row went.
    await sql`
      create table outbox (
        seq bigserial primary key,
        id uuid not null unique,
        type text not null,
        subject text,
        payload jsonb not null,
        created_at timestamptz not null default now(),
        published_at timestamptz,
        attempts integer not null default 0,
        last_error text
      )`.execute(db);
    // The relay only ever scans unpublished rows in seq order; the partial index stays tiny.
    await sql`create index outbox_unpublished_seq_idx on outbox (seq) where published_at is null`.execute(db);
    await sql`
      create table inbox (
        consumer text not null,
        event_id uuid not null,
        received_at timestamptz not null default now(),
        primary key (consumer, event_id)
      )`.execute(db);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop table if exists inbox`.execute(db);
    await sql`drop table if exists outbox`.execute(db);
  },
};

/**
 * Deletion tombstones (docs/architecture.md#events, "User deletion is final"): one row per purged user,
 * kept for good, so the consumer drops any later event about that user. Every service with user data or
 * a consumer calls `eventTablesV2.up` from a migration after its `eventTablesV1` one.
 */
export const eventTablesV2 = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create table deleted_user (
        user_id uuid primary key,
        deleted_at timestamptz not null default now()
      )`.execute(db);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop table if exists deleted_user`.execute(db);
  },
};

/** Event types, a consumer-side table and counting helpers shared by the integration tests. */
import { defineEvent } from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { sql, type Transaction } from 'kysely';
import { z } from 'zod';
import { type AnyDatabase, defineHandler } from '../../src/index.js';

export const widgetCreated = defineEvent(
  'widget.created.v1',
  z.object({ widgetId: z.uuid(), quantity: z.number().int().positive() }),
);
export const widgetBroken = defineEvent('widget.broken.v1', z.object({ widgetId: z.uuid() }));

export function newWidget(quantity = 1): { widgetId: string; quantity: number } {
  return { widgetId: newId(), quantity };
}

/** The consumer's own table: one row per applied event, `applied_count` catches any double apply. */
export interface ConsumerTables {
  widget_applied: { event_id: string; widget_id: string; applied_count: number; applied_at: Date };
  attempt_log: { event_id: string; delivery_count: number; attempted_at: Date };
}

export async function createConsumerTables(database: AnyDatabase): Promise<void> {
  await sql`
    create table widget_applied (
      event_id uuid primary key,
      widget_id uuid not null,
      applied_count integer not null default 1,
      applied_at timestamptz not null default clock_timestamp()
    )`.execute(database.db);
  // Written outside the handler's transaction, so attempts that roll back are still counted.
  await sql`
    create table attempt_log (
      event_id uuid not null,
      delivery_count integer not null,
      attempted_at timestamptz not null default clock_timestamp()
    )`.execute(database.db);
}

/** Applies widget.created.v1; a second apply of the same event would bump applied_count to 2. */
export const applyWidgetCreated = defineHandler(
  widgetCreated,
  async (trx: Transaction<ConsumerTables>, event) => {
    await sql`
    insert into widget_applied (event_id, widget_id) values (${event.id}, ${event.data.widgetId})
    on conflict (event_id) do update set applied_count = widget_applied.applied_count + 1`.execute(trx);
  },
);

export async function appliedStats(
  database: AnyDatabase,
): Promise<{ rows: number; total: number; maxPerEvent: number }> {
  const result = await sql<{ rows: number; total: number; max_per_event: number }>`
    select count(*)::int as rows, coalesce(sum(applied_count), 0)::int as total,
           coalesce(max(applied_count), 0)::int as max_per_event
    from widget_applied`.execute(database.db);
  const row = result.rows[0];
  return { rows: row?.rows ?? 0, total: row?.total ?? 0, maxPerEvent: row?.max_per_event ?? 0 };
}

export async function outboxCounts(database: AnyDatabase): Promise<{ total: number; unpublished: number }> {
  const result = await sql<{ total: number; unpublished: number }>`
    select count(*)::int as total, count(*) filter (where published_at is null)::int as unpublished
    from outbox`.execute(database.db);
  return { total: result.rows[0]?.total ?? 0, unpublished: result.rows[0]?.unpublished ?? 0 };
}

export async function inboxCount(database: AnyDatabase, consumer: string): Promise<number> {
  const result = await sql<{
    n: number;
  }>`select count(*)::int as n from inbox where consumer = ${consumer}`.execute(database.db);
  return result.rows[0]?.n ?? 0;
}

export interface StoredStreamMessage {
  seq: number;
  subject: string;
  text: string;
}

/** Every message of a (small) test stream, read one by one by sequence. */
export async function readStream(nc: NatsConnection, streamName: string): Promise<StoredStreamMessage[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(streamName);
  const messages: StoredStreamMessage[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && seq > 0; seq += 1) {
    const stored = await jsm.streams.getMessage(streamName, { seq }).catch(() => null);
    if (stored) messages.push({ seq, subject: stored.subject, text: new TextDecoder().decode(stored.data) });
  }
  return messages;
}

export async function streamMessageCount(nc: NatsConnection, streamName: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(streamName)).state.messages;
}

/** Counters are read with the testing package's helper (services' consumer tests use it too). */
export { counterValue } from '@cartwatch/testing';

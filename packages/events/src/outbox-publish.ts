/**
 * Writing events: `publish` validates an event, builds its envelope and inserts it into the outbox in the
 * caller's transaction, together with a NOTIFY that wakes the relay only if that transaction commits.
 */
import { type EventDefinition, EventEnvelope, type ServiceName } from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import { sql } from 'kysely';
import type { z } from 'zod';
import {
  OUTBOX_CHANNEL_PREFIX,
  RELAY_AWAKE_SUFFIX,
  RELAY_LOCK_CLASS,
  RELAY_WRITERS_SUFFIX,
} from './outbox-channel.js';
import type { AnyExecutor } from './schema-agnostic.js';

/** NATS' default max_payload is 1 MiB; events carry ids and facts, never blobs. */
export const MAX_EVENT_BYTES = 512 * 1024;
const INSERT_CHUNK = 1_000;

/**
 * Wakes the relay at commit, unless it is awake anyway (docs/events.md, "Relay wake-ups"). A NOTIFY
 * makes Postgres take a database-wide lock at commit and hold it through the WAL flush, so notifying
 * transactions commit one at a time; a relay that is awake polls every few ms and needs none.
 * 1. Hold the `writers` lock shared until commit: the relay cannot fall asleep while this write is
 *    uncommitted (it checks for writers before it stops polling).
 * 2. If the `awake` lock is free (no relay polling), release it at once (before anything that could fail)
 *    and NOTIFY: delivered only when the transaction commits (and collapsed within it), so a rolled-back
 *    write wakes nobody.
 * current_schema() is the service schema: every connection has search_path=<schema>. A DO block keeps
 * the order of the steps and is one round trip; it only holds constants.
 */
const WAKE_RELAY = sql.raw(`do $wake$
declare
  awake int := hashtext(current_schema() || '${RELAY_AWAKE_SUFFIX}');
begin
  perform pg_advisory_xact_lock_shared(${RELAY_LOCK_CLASS}, hashtext(current_schema() || '${RELAY_WRITERS_SUFFIX}'));
  if pg_try_advisory_lock_shared(${RELAY_LOCK_CLASS}, awake) then
    perform pg_advisory_unlock_shared(${RELAY_LOCK_CLASS}, awake);
    perform pg_notify(left('${OUTBOX_CHANNEL_PREFIX}' || current_schema(), 63), '');
  end if;
end
$wake$`);

/** Anything Kysely can run a query on; pass the service's transaction so the event commits with the change. */
export type OutboxExecutor = AnyExecutor;

export interface NewEvent<TData> {
  source: ServiceName;
  data: TData;
  subjectId?: string;
  userId?: string;
  /** Defaults to a fresh UUID v7. Give one to make a retried command produce the same event. */
  id?: string;
  /** Defaults to now. */
  occurredAt?: Date;
}

export interface PendingEvent<TDef extends EventDefinition = EventDefinition> {
  definition: TDef;
  event: NewEvent<z.input<TDef['schema']>>;
}

/** Thrown when an event does not match its schema: a programming error in the publishing service. */
export class EventValidationError extends Error {
  constructor(
    readonly eventType: string,
    readonly issues: readonly z.core.$ZodIssue[],
  ) {
    super(
      `invalid ${eventType} event: ${issues
        .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
        .join('; ')}`,
    );
    this.name = 'EventValidationError';
  }
}

/** Validates `data` with the type's schema and the envelope with EventEnvelope; returns the envelope to store. */
export function buildEnvelope<TDef extends EventDefinition>(
  definition: TDef,
  event: NewEvent<z.input<TDef['schema']>>,
): EventEnvelope<z.output<TDef['schema']>> {
  const data = definition.schema.safeParse(event.data);
  if (!data.success) {
    throw new EventValidationError(
      definition.type,
      data.error.issues.map((issue) => ({ ...issue, path: ['data', ...issue.path] })),
    );
  }
  const candidate = {
    id: event.id ?? newId(),
    type: definition.type,
    source: event.source,
    occurredAt: (event.occurredAt ?? new Date()).toISOString(),
    ...(event.subjectId === undefined ? {} : { subjectId: event.subjectId }),
    ...(event.userId === undefined ? {} : { userId: event.userId }),
    data: data.data,
  };
  const envelope = EventEnvelope.safeParse(candidate);
  if (!envelope.success) throw new EventValidationError(definition.type, envelope.error.issues);
  return { ...envelope.data, data: data.data as z.output<TDef['schema']> };
}

/**
 * Validates the event, inserts its outbox row and queues the relay's wake-up in `executor`'s transaction.
 * Throws EventValidationError when the data does not match the event type's schema.
 */
export async function publish<TDef extends EventDefinition>(
  executor: OutboxExecutor,
  definition: TDef,
  event: NewEvent<z.input<TDef['schema']>>,
): Promise<EventEnvelope<z.output<TDef['schema']>>> {
  const [envelope] = await publishMany(executor, [{ definition, event }]);
  if (!envelope) throw new Error('publishMany returned no envelope');
  return envelope as EventEnvelope<z.output<TDef['schema']>>;
}

/** Like `publish` for several events at once: one multi-row insert, one notification; order is kept. */
export async function publishMany(
  executor: OutboxExecutor,
  events: ReadonlyArray<PendingEvent>,
): Promise<EventEnvelope[]> {
  if (events.length === 0) return [];
  // Validate everything before writing anything.
  const envelopes = events.map(({ definition, event }) => buildEnvelope(definition, event));
  const rows = envelopes.map((envelope) => {
    const payload = JSON.stringify(envelope);
    // A message the broker refuses would block the ordered outbox forever: refuse it here instead.
    if (Buffer.byteLength(payload) > MAX_EVENT_BYTES) {
      throw new Error(`${envelope.type} event ${envelope.id} is larger than ${MAX_EVENT_BYTES} bytes`);
    }
    return sql`(${envelope.id}::uuid, ${envelope.type}, ${payload}::jsonb)`;
  });
  // Three parameters per row; chunks stay far below Postgres' 65535-parameter limit.
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const chunk = rows.slice(start, start + INSERT_CHUNK);
    await sql`insert into outbox (id, type, payload) values ${sql.join(chunk)}`.execute(executor);
  }
  await WAKE_RELAY.execute(executor);
  return envelopes;
}

/**
 * Writing events: `publish` validates an event, builds its envelope and inserts it into the outbox in the
 * caller's transaction, together with a NOTIFY that wakes the relay only if that transaction commits.
 */
import { type EventDefinition, EventEnvelope, type ServiceName } from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import type { z } from 'zod';
import { insertOutboxRows, type OutboxInsert } from './outbox.repository.js';
import type { AnyExecutor } from './schema-agnostic.js';

/** NATS' default max_payload is 1 MiB; events carry ids and facts, never blobs. */
export const MAX_EVENT_BYTES = 512 * 1024;

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

/** Like `publish` for several events at once: one multi-row insert with the relay's wake-up; order is kept. */
export async function publishMany(
  executor: OutboxExecutor,
  events: ReadonlyArray<PendingEvent>,
): Promise<EventEnvelope[]> {
  if (events.length === 0) return [];
  // Validate everything before writing anything.
  const envelopes = events.map(({ definition, event }) => buildEnvelope(definition, event));
  const rows = envelopes.map((envelope): OutboxInsert => {
    const payload = JSON.stringify(envelope);
    // A message the broker refuses would block the ordered outbox forever: refuse it here instead.
    if (Buffer.byteLength(payload) > MAX_EVENT_BYTES) {
      throw new Error(`${envelope.type} event ${envelope.id} is larger than ${MAX_EVENT_BYTES} bytes`);
    }
    return { id: envelope.id, type: envelope.type, payload };
  });
  // Also wakes the relay at commit unless it is awake anyway (docs/events.md, "Relay wake-ups").
  await insertOutboxRows(executor, rows);
  return envelopes;
}

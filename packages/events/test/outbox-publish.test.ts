/** publish(): validation, envelope and the outbox row, in the caller's transaction. */
import { defineEvent } from '@cartwatch/common-types';
import { withTransaction } from '@cartwatch/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EventValidationError, MAX_EVENT_BYTES, publish, publishMany } from '../src/index.js';
import { newWidget, outboxCounts, widgetBroken, widgetCreated } from './support/fixtures.js';
import { createEventsTestDatabase, type EventsTestDatabase } from './support/harness.js';

let database: EventsTestDatabase;

beforeAll(async () => {
  database = await createEventsTestDatabase({ prefix: 'publish' });
});
afterAll(async () => {
  await database?.drop();
});

describe('publish', () => {
  it('rejects data that does not match the event schema, naming the field, and writes nothing', async () => {
    const before = await outboxCounts(database);
    const attempt = withTransaction(database.db, (trx) =>
      publish(trx, widgetCreated, {
        source: 'orders',
        data: { widgetId: 'not-a-uuid', quantity: -1 } as never,
      }),
    );
    await expect(attempt).rejects.toBeInstanceOf(EventValidationError);
    await expect(attempt).rejects.toThrow(/widget\.created\.v1.*data\.widgetId.*data\.quantity/);
    expect(await outboxCounts(database)).toEqual(before);
  });

  it('rejects an envelope field that is not valid, such as a userId that is not a uuid', async () => {
    const attempt = publish(database.db, widgetCreated, {
      source: 'orders',
      data: newWidget(),
      userId: 'bob',
    });
    await expect(attempt).rejects.toThrow(/userId/);
  });

  it('stores the full envelope with a uuidv7 id, ISO UTC occurredAt, source, subjectId and userId', async () => {
    const userId = '0190b7d2-5c39-7cc1-8e8e-2a7c1c9f1d11';
    const data = newWidget(3);
    const envelope = await withTransaction(database.db, (trx) =>
      publish(trx, widgetCreated, { source: 'orders', data, subjectId: data.widgetId, userId }),
    );
    expect(envelope.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(envelope.occurredAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const rows = await sql<{
      type: string;
      payload: unknown;
      published_at: Date | null;
      subject: string | null;
    }>`
      select type, payload, published_at, subject from outbox where id = ${envelope.id}`.execute(database.db);
    expect(rows.rows).toEqual([
      {
        type: 'widget.created.v1',
        payload: {
          id: envelope.id,
          type: 'widget.created.v1',
          source: 'orders',
          occurredAt: envelope.occurredAt,
          subjectId: data.widgetId,
          userId,
          data,
        },
        published_at: null,
        subject: null,
      },
    ]);
  });

  it('keeps the given id and occurredAt so a retried command yields the same event', async () => {
    const id = '0190b7d2-5c39-7cc1-8e8e-2a7c1c9f1d12';
    const occurredAt = new Date('2024-05-01T10:00:00.000Z');
    const envelope = await publish(database.db, widgetBroken, {
      source: 'cart-device',
      data: { widgetId: newWidget().widgetId },
      id,
      occurredAt,
    });
    expect(envelope).toMatchObject({ id, occurredAt: '2024-05-01T10:00:00.000Z' });
    await expect(
      publish(database.db, widgetBroken, {
        source: 'cart-device',
        data: { widgetId: newWidget().widgetId },
        id,
      }),
    ).rejects.toThrow(/duplicate key/);
  });

  it('refuses an event larger than the broker would accept', async () => {
    const noteAdded = defineEvent('note.added.v1', z.object({ text: z.string() }));
    const data = { text: 'x'.repeat(MAX_EVENT_BYTES) };
    await expect(publish(database.db, noteAdded, { source: 'orders', data })).rejects.toThrow(
      new RegExp(`larger than ${MAX_EVENT_BYTES}`),
    );
  });

  it('publishMany writes more events than one statement holds in order, every row with its own id, type and payload', async () => {
    const batch = Array.from({ length: 1_001 }, (_, index) => ({
      definition: widgetCreated,
      event: { source: 'orders' as const, data: newWidget(index + 1) },
    }));
    const envelopes = await withTransaction(database.db, (trx) => publishMany(trx, batch));
    const rows = await sql<{ id: string; type: string; quantity: number }>`
      select id, type, (payload->'data'->>'quantity')::int as quantity
      from outbox where id = any(${envelopes.map((envelope) => envelope.id)}::uuid[]) order by seq`.execute(
      database.db,
    );
    expect(rows.rows).toEqual(
      envelopes.map((envelope, index) => ({
        id: envelope.id,
        type: widgetCreated.type,
        quantity: index + 1,
      })),
    );
  });

  it('publishMany writes a batch in order with one statement and validates everything first', async () => {
    const before = await outboxCounts(database);
    const batch = Array.from({ length: 25 }, (_, index) => ({
      definition: widgetCreated,
      event: { source: 'orders' as const, data: newWidget(index + 1) },
    }));
    await expect(
      publishMany(database.db, [
        ...batch,
        { definition: widgetCreated, event: { source: 'orders', data: {} as never } },
      ]),
    ).rejects.toBeInstanceOf(EventValidationError);
    expect(await outboxCounts(database)).toEqual(before);

    const envelopes = await withTransaction(database.db, (trx) => publishMany(trx, batch));
    const rows = await sql<{ id: string }>`
      select id from outbox where id = any(${envelopes.map((envelope) => envelope.id)}::uuid[]) order by seq`.execute(
      database.db,
    );
    expect(rows.rows.map((row) => row.id)).toEqual(envelopes.map((envelope) => envelope.id));
  });
});

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  defineEvent,
  dlqSubject,
  EventEnvelope,
  eventCatalog,
  eventDefinitionsByType,
  subjectFor,
} from '../src/events.js';

describe('event catalog', () => {
  it('names every type <aggregate>.<verb>.v<N> with subject cartwatch.<type>', () => {
    for (const definition of Object.values(eventCatalog)) {
      expect(definition.subject).toBe(`cartwatch.${definition.type}`);
      expect(eventDefinitionsByType.get(definition.type)).toBe(definition);
    }
    expect(eventDefinitionsByType.size).toBe(Object.keys(eventCatalog).length);
  });

  it('refuses badly named types', () => {
    expect(() => defineEvent('PurchaseRecorded', z.object({}))).toThrow(/aggregate/);
    expect(() => defineEvent('purchase.recorded', z.object({}))).toThrow(/aggregate/);
  });

  it('builds dead-letter and prefixed subjects', () => {
    expect(dlqSubject('price-watch')).toBe('cartwatch.dlq.price-watch');
    expect(subjectFor('order.placed.v1', 't123')).toBe('t123.order.placed.v1');
  });

  it('validates envelopes', () => {
    const envelope = {
      id: '0192f9b4-6f3c-7c1e-9d0a-4a5b6c7d8e9f',
      type: 'user.deleted.v1',
      source: 'gateway',
      occurredAt: '2026-11-22T10:15:00.000Z',
      data: { userId: '0192f9b4-6f3c-7c1e-9d0a-4a5b6c7d8e90' },
    };
    expect(EventEnvelope.safeParse(envelope).success).toBe(true);
    expect(EventEnvelope.safeParse({ ...envelope, source: 'somebody' }).success).toBe(false);
    expect(eventCatalog.userDeleted.schema.safeParse({ userId: 'nope' }).success).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCursor, PaginationQuery, pageFromRows } from '../src/pagination.js';

describe('pagination', () => {
  const ByTimeCursor = defineCursor(z.strictObject({ at: z.iso.datetime(), id: z.uuid() }));
  const key = { at: '2026-11-22T00:00:00Z', id: '01935a8e-7f00-7000-8000-000000000001' };

  function decodeError(codec: { decode(cursor: string): unknown }, cursor: string): z.ZodError {
    try {
      codec.decode(cursor);
    } catch (error) {
      if (error instanceof z.ZodError) return error;
      throw error;
    }
    throw new Error(`decoded ${cursor}`);
  }

  it('round-trips a cursor, including non-ASCII text', () => {
    const NameCursor = defineCursor(z.strictObject({ name: z.string() }));
    const cursor = NameCursor.encode({ name: 'crème-brûlée' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(NameCursor.decode(cursor)).toEqual({ name: 'crème-brûlée' });
    expect(ByTimeCursor.decode(ByTimeCursor.encode(key))).toEqual(key);
  });

  it.each([
    ['not base64url JSON', 'not-base64-json'],
    ['not base64 at all', '%%%'],
    ['JSON of another shape', btoa(JSON.stringify({ other: 1 }))],
    ['a forged id', 'eyJpZCI6ImFiYyJ9'],
    ['a forged timestamp', btoa(JSON.stringify({ at: "2026-11-22'; --", id: key.id }))],
    ['an extra field', btoa(JSON.stringify({ ...key, admin: true }))],
    ['JSON that is no object', btoa('[1,2]')],
  ])('refuses %s with a ZodError on cursor', (_what, cursor) => {
    const error = decodeError(ByTimeCursor, cursor);
    expect(error.issues).toEqual([expect.objectContaining({ path: ['cursor'], message: 'invalid cursor' })]);
  });

  it('refuses to encode a key its own decoder would refuse', () => {
    expect(() => ByTimeCursor.encode({ at: 'yesterday', id: key.id })).toThrow();
  });

  it('coerces and bounds limit', () => {
    expect(PaginationQuery.parse({})).toEqual({ limit: 50 });
    expect(PaginationQuery.parse({ limit: '10' })).toEqual({ limit: 10 });
    expect(PaginationQuery.safeParse({ limit: '0' }).success).toBe(false);
    expect(PaginationQuery.safeParse({ limit: '101' }).success).toBe(false);
  });
});

describe('pageFromRows', () => {
  const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
  const cursorOf = (last: { id: string }) => `after-${last.id}`;

  it('shows `limit` rows and a cursor after the last shown one when the extra row came back', () => {
    expect(pageFromRows(rows, 2, (row) => row.id.toUpperCase(), cursorOf)).toEqual({
      items: ['A', 'B'],
      nextCursor: 'after-b',
    });
  });

  it('ends the list when no extra row came back', () => {
    expect(pageFromRows(rows, 3, (row) => row.id, cursorOf)).toEqual({
      items: ['a', 'b', 'c'],
      nextCursor: null,
    });
    expect(pageFromRows([], 3, (row: { id: string }) => row.id, cursorOf)).toEqual({
      items: [],
      nextCursor: null,
    });
  });
});

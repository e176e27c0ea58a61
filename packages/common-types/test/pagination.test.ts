import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeCursor, encodeCursor, PaginationQuery } from '../src/pagination.js';

describe('pagination', () => {
  const key = z.object({ createdAt: z.string(), id: z.string() });

  it('round-trips a cursor, including non-ASCII text', () => {
    const cursor = encodeCursor({ createdAt: '2026-11-22T00:00:00Z', id: 'crème-brûlée' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, key)).toEqual({ createdAt: '2026-11-22T00:00:00Z', id: 'crème-brûlée' });
  });

  it('rejects cursors that are not ours', () => {
    expect(decodeCursor('not-base64-json', key)).toBeUndefined();
    expect(decodeCursor(encodeCursor({ other: 1 }), key)).toBeUndefined();
  });

  it('coerces and bounds limit', () => {
    expect(PaginationQuery.parse({})).toEqual({ limit: 50 });
    expect(PaginationQuery.parse({ limit: '10' })).toEqual({ limit: 10 });
    expect(PaginationQuery.safeParse({ limit: '0' }).success).toBe(false);
    expect(PaginationQuery.safeParse({ limit: '101' }).success).toBe(false);
  });
});

/**
 * Cursor pagination shared by every list endpoint: `?limit=&cursor=` -> `{ items, nextCursor }`.
 * Cursors are opaque base64url JSON of the list's sort key, written and read through one schema
 * (`defineCursor`); a cursor the list did not write is a 400, never a query with forged values.
 */
import { z } from 'zod';
import { Uuid } from './ids.js';

export const PaginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(512).optional(),
});
export type PaginationQuery = z.infer<typeof PaginationQuery>;

/** A yes/no query parameter: `?unread=true`; documented as the two words, parsed to a boolean. */
export const BooleanQuery = z.enum(['true', 'false']).transform((value) => value === 'true');

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * The page of a keyset list read with `limit + 1` rows: the extra row is not shown, it only says that
 * there is a next page, whose cursor `cursorOf` writes from this page's last row.
 */
export function pageFromRows<Row, Item>(
  rows: readonly Row[],
  limit: number,
  toItem: (row: Row) => Item,
  cursorOf: (last: Row) => string,
): Page<Item> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toItem),
    nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null,
  };
}

// btoa/atob + TextEncoder rather than Buffer, so the browser app can share these helpers.
function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

function fromBase64Url(encoded: string): string {
  const binary = atob(encoded.replaceAll('-', '+').replaceAll('_', '/'));
  return new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
}

/** A list's cursor: the one schema its encoder writes and its decoder reads. */
export interface CursorCodec<S extends z.ZodType> {
  /** The opaque cursor after `key` (a page's last row). */
  encode(key: z.input<S>): string;
  /**
   * The key in a cursor. Anything `encode` did not write (not base64url JSON, another shape, forged
   * values) throws a ZodError on `cursor`, which every service answers as 400 VALIDATION_FAILED.
   */
  decode(cursor: string): z.output<S>;
}

function invalidCursor(cursor: string): z.ZodError {
  return new z.ZodError([{ code: 'custom', path: ['cursor'], message: 'invalid cursor', input: cursor }]);
}

/**
 * `const ByIdCursor = defineCursor(z.strictObject({ id: Uuid }))`, then `ByIdCursor.encode({ id })` and
 * `ByIdCursor.decode(query.cursor)`. Keep the schema as tight as the values the list writes (UUIDs,
 * timestamps, bounded offsets): a decoded cursor goes into SQL.
 */
export function defineCursor<S extends z.ZodType>(schema: S): CursorCodec<S> {
  return {
    encode: (key) => toBase64Url(JSON.stringify(schema.parse(key))),
    decode(cursor) {
      let payload: unknown;
      try {
        payload = JSON.parse(fromBase64Url(cursor));
      } catch {
        throw invalidCursor(cursor);
      }
      const parsed = schema.safeParse(payload);
      if (!parsed.success) throw invalidCursor(cursor);
      return parsed.data;
    },
  };
}

/** The cursor of lists keyed by their rows' UUID (v7, so also creation order). */
export const IdCursor = defineCursor(z.strictObject({ id: Uuid }));

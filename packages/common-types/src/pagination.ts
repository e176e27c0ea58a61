/**
 * Cursor pagination shared by every list endpoint: `?limit=&cursor=` -> `{ items, nextCursor }`.
 * Cursors are opaque base64url JSON; services put their sort key in them.
 */
import { z } from 'zod';

export const PaginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(512).optional(),
});
export type PaginationQuery = z.infer<typeof PaginationQuery>;

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
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

export function encodeCursor(key: Record<string, string | number>): string {
  return toBase64Url(JSON.stringify(key));
}

/** Decodes a cursor against the shape the service expects; undefined when it is not one of ours. */
export function decodeCursor<T extends z.ZodType>(cursor: string, shape: T): z.infer<T> | undefined {
  try {
    const parsed = shape.safeParse(JSON.parse(fromBase64Url(cursor)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

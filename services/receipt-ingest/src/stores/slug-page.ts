/** Lists ordered by store slug and paged with a `{ slug }` cursor: retailers, store accounts, sync status. */
import { decodeCursor, encodeCursor, type Page } from '@cartwatch/common-types';
import { AppError } from '@cartwatch/service-kit';
import { z } from 'zod';

const SlugCursor = z.object({ slug: z.string() });

export async function pageBySlug<Row, Item>(
  query: { limit: number; cursor?: string | undefined },
  fetchAfter: (afterSlug: string | undefined, limit: number) => Promise<Row[]>,
  slugOf: (row: Row) => string,
  toItem: (row: Row) => Item,
): Promise<Page<Item>> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, SlugCursor);
  if (query.cursor !== undefined && after === undefined) {
    throw AppError.validation([
      { path: 'cursor', message: 'not a cursor of this list', code: 'invalid_cursor' },
    ]);
  }
  const rows = await fetchAfter(after?.slug, query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(toItem),
    nextCursor: rows.length > query.limit && last !== undefined ? encodeCursor({ slug: slugOf(last) }) : null,
  };
}

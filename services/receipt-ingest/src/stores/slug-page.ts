/** Lists ordered by store slug and paged with a `{ slug }` cursor: retailers, store accounts, sync status. */
import { defineCursor, type Page, pageFromRows, ReceiptIngestApi } from '@cartwatch/common-types';
import { z } from 'zod';

const SlugCursor = defineCursor(z.strictObject({ slug: ReceiptIngestApi.StoreSlug }));

export async function pageBySlug<Row, Item>(
  query: { limit: number; cursor?: string | undefined },
  fetchAfter: (afterSlug: string | undefined, limit: number) => Promise<Row[]>,
  slugOf: (row: Row) => string,
  toItem: (row: Row) => Item,
): Promise<Page<Item>> {
  const after = query.cursor === undefined ? undefined : SlugCursor.decode(query.cursor);
  const rows = await fetchAfter(after?.slug, query.limit + 1);
  return pageFromRows(rows, query.limit, toItem, (last) => SlugCursor.encode({ slug: slugOf(last) }));
}

/**
 * The internal route every service that keeps a user's data answers for the gateway's account export
 * (docs/privacy.md#export): `GET /internal/users/{userId}/export`, the user named in the path, the service
 * key the caller's credential (the /internal guard), the answer what `collect` gathers, in the shapes the
 * public API answers with.
 */
import type { Page } from '@cartwatch/common-types';
import type { Express } from 'express';
import { z } from 'zod';
import { parseParams } from './validation.js';

const UserParams = z.strictObject({ userId: z.uuid() });

export function mountUserExport(app: Express, collect: (userId: string) => Promise<object>): void {
  app.get('/internal/users/:userId/export', async (req, res) => {
    const { userId } = parseParams(UserParams, req);
    res.json(await collect(userId));
  });
}

/** Every item of a cursor-paged list, page after page. */
export async function allPages<T>(page: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    items.push(...next.items);
    cursor = next.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return items;
}

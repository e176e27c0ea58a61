/**
 * The internal route every service that keeps a user's data answers for the gateway's account export
 * (docs/privacy.md#export): `GET /internal/users/{userId}/export`, the user named in the path, the service
 * key the caller's credential (the /internal guard), the answer what `collect` gathers, in the shapes the
 * public API answers with. Documented in the service's own OpenAPI document; the gateway's merged
 * document leaves `/internal` out.
 */
import type { Page } from '@cartwatch/common-types';
import { z } from 'zod';
import { errorResponses, jsonResponse } from './openapi.js';
import { defineRoute, type RouteDefinition } from './routes.js';

const UserParams = z.strictObject({ userId: z.uuid() });
const UserExport = z.record(z.string(), z.unknown());

export function userExportRoute(collect: (userId: string) => Promise<object>): RouteDefinition {
  return defineRoute({
    method: 'get',
    path: '/internal/users/:userId/export',
    summary: "Internal: everything this service keeps for one user (the gateway's account export)",
    request: { params: UserParams },
    responses: {
      200: jsonResponse(UserExport, "The user's data, in the shapes the public API answers with"),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
    read: ({ params }) => collect(params.userId),
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

/**
 * `POST /internal/public-cache/purge`: the purge path of the one public cache (docs/gateway.md, "Public
 * cache"). A service calls it with the service key right after its public data changed (shrinkflation
 * after a review), and every answer the gateway holds under that public route is gone at once, for
 * every replica sharing the Redis store. Never reachable from the edge (`/internal/*` is denied there).
 */
import { PublicCachePurge } from '@cartwatch/common-types';
import {
  AppError,
  defineRoute,
  errorResponses,
  hasValidServiceKey,
  type RouteDefinition,
} from '@cartwatch/service-kit';
import type { RequestHandler } from 'express';
import type { PublicCache } from './public-cache.js';

// Checked by the fast path before it strips every client's x-service-* header; before the body is read.
const serviceKeyRequired: RequestHandler = (req, _res, next) => {
  if (!hasValidServiceKey(req)) throw AppError.unauthenticated('a valid service key is required');
  next();
};

export function publicCacheRoutes(options: { cache: PublicCache | undefined }): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/internal/public-cache/purge',
      summary:
        'Internal (any service, service key): drop every cached answer under one public route prefix, for every replica',
      use: [serviceKeyRequired],
      request: { body: PublicCachePurge },
      responses: {
        204: { description: 'Purged (nothing to do without a cache)' },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      handler: async ({ body }, _req, res) => {
        // Without a cache (PUBLIC_CACHE_TTL_SECONDS=0) there is nothing to drop.
        await options.cache?.purge(body.route);
        res.status(204).end();
      },
    }),
  ];
}

/**
 * `POST /internal/public-cache/purge`: the purge path of the one public cache (docs/gateway.md, "Public
 * cache"). A service calls it with the service key right after its public data changed (shrinkflation
 * after a review), and every answer the gateway holds under that public route is gone at once, for
 * every replica sharing the Redis store. Never reachable from the edge (`/internal/*` is denied there).
 */
import { PublicCachePurge } from '@cartwatch/common-types';
import { AppError, hasValidServiceKey, parseBody } from '@cartwatch/service-kit';
import type { Express } from 'express';
import type { PublicCache } from './public-cache.js';

export function mountPublicCacheRoutes(app: Express, options: { cache: PublicCache | undefined }): void {
  app.post('/internal/public-cache/purge', async (req, res) => {
    // Checked by the fast path before it strips every client's x-service-* header.
    if (!hasValidServiceKey(req)) throw AppError.unauthenticated('a valid service key is required');
    const { route } = parseBody(PublicCachePurge, req);
    // Without a cache (PUBLIC_CACHE_TTL_SECONDS=0) there is nothing to drop.
    await options.cache?.purge(route);
    res.status(204).end();
  });
}

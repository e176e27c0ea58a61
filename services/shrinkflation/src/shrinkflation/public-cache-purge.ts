/**
 * The public list has one cache, the gateway's (docs/gateway.md, "Public endpoints"); this service keeps
 * none. After a change that alters `/public/shrinkflation` it asks the gateway to drop that route's
 * cached answers, so a rejected claim is gone at once. The change has committed by then: a purge that
 * fails is logged and the gateway's copy expires within its PUBLIC_CACHE_TTL_SECONDS.
 */
import { randomUUID } from 'node:crypto';
import type { PublicCachePurge } from '@cartwatch/common-types';
import type { InternalClient } from '@cartwatch/service-kit';
import type { Logger } from 'pino';

export const PUBLIC_ROUTE = '/public/shrinkflation';

export interface PublicCachePurger {
  /** Drops the gateway's cached answers of the public list; never throws. */
  purge(requestId?: string): Promise<void>;
}

export function gatewayPublicCache(gateway: InternalClient, logger: Logger): PublicCachePurger {
  return {
    async purge(requestId) {
      const body: PublicCachePurge = { route: PUBLIC_ROUTE };
      try {
        // A purge is idempotent: the key only lets the client retry it.
        await gateway.post('/internal/public-cache/purge', body, {
          idempotencyKey: randomUUID(),
          ...(requestId !== undefined && { requestId }),
        });
      } catch (error) {
        logger.warn(
          { err: error, route: PUBLIC_ROUTE },
          "purging the gateway's public cache failed; its copy expires with the TTL",
        );
      }
    },
  };
}

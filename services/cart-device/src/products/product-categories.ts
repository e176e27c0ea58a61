/**
 * The category of each product a route needs, for routing a product by its category's placement when the
 * layout does not place the product itself (docs/store-routing.md, "Where a product is shelved"). price-watch owns the category (kept
 * from the best evidence, editable by admins); we read it with `GET /products/{id}` for the shopper,
 * with a short timeout, and keep what we learnt for a while. When price-watch is slow or down, a route
 * uses the categories learnt before (even expired ones), and a product whose category was never learnt
 * is listed as not placed: the route still answers.
 */
import { createInternalClient, InternalHttpError } from '@cartwatch/service-kit';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { CallContext } from '../orders/orders.client.js';

/** The fields of price-watch's `ProductDetail` this service reads; extra fields are ignored. */
export const ProductCategoryOf = z.object({ id: z.uuid(), category: z.string().nullable() });

export interface ProductCatalog {
  /** The product's category; null when it has none; undefined when price-watch does not know it. */
  categoryOf(productId: string, user: { id: string }, ctx?: CallContext): Promise<string | null | undefined>;
}

export function createHttpProductCatalog(options: {
  baseUrl: string;
  serviceKey: string;
  logger?: Logger;
  timeoutMs?: number;
}): ProductCatalog {
  // One attempt: a route must not wait on retries; the cache below is the fallback.
  const client = createInternalClient({
    baseUrl: options.baseUrl,
    serviceKey: options.serviceKey,
    caller: 'cart-device',
    timeoutMs: options.timeoutMs ?? 1500,
    retries: 0,
    ...(options.logger && { logger: options.logger }),
  });
  return {
    async categoryOf(productId, user, ctx) {
      try {
        const product = await client.get(`/products/${encodeURIComponent(productId)}`, {
          schema: ProductCategoryOf,
          user: { id: user.id, role: 'user' },
          ...(ctx?.requestId !== undefined && { requestId: ctx.requestId }),
        });
        return product.category;
      } catch (error) {
        if (error instanceof InternalHttpError && error.upstreamStatus === 404) return undefined;
        throw error;
      }
    },
  };
}

interface Known {
  category: string | null;
  learntAt: number;
}

/** Categories learnt from price-watch, fresh for `ttlMs`, kept (as a fallback) up to `maxEntries`. */
export class ProductCategories {
  private readonly known = new Map<string, Known>();

  constructor(
    private readonly catalog: ProductCatalog,
    private readonly options: {
      ttlMs?: number;
      maxEntries?: number;
      concurrency?: number;
      logger?: Logger;
    } = {},
  ) {}

  /** The category of each product (lower-cased; null: none or unknown), asking price-watch only for stale ones. */
  async resolve(
    productIds: readonly string[],
    user: { id: string },
    ctx?: CallContext,
  ): Promise<Map<string, string | null>> {
    const now = Date.now();
    const ttlMs = this.options.ttlMs ?? 10 * 60_000;
    const stale = productIds.filter((id) => {
      const known = this.known.get(id);
      // A product without a category yet may get one from the next receipt: ask again sooner.
      return (
        known === undefined ||
        now - known.learntAt > (known.category === null ? Math.min(ttlMs, 60_000) : ttlMs)
      );
    });
    const concurrency = this.options.concurrency ?? 8;
    let failures = 0;
    for (let start = 0; start < stale.length; start += concurrency) {
      const batch = stale.slice(start, start + concurrency);
      const answers = await Promise.allSettled(batch.map((id) => this.catalog.categoryOf(id, user, ctx)));
      answers.forEach((answer, index) => {
        const id = batch[index] as string;
        if (answer.status === 'fulfilled') {
          this.remember(id, answer.value === undefined ? null : (answer.value?.toLowerCase() ?? null));
        } else {
          failures += 1;
        }
      });
      // price-watch is down or slow: do not wait on it for the rest; known categories still route.
      if (failures > 0) break;
    }
    if (failures > 0) {
      this.options.logger?.warn(
        { failures, requestId: ctx?.requestId },
        'price-watch did not answer product categories; routing with the categories learnt before',
      );
    }
    return new Map(productIds.map((id) => [id, this.known.get(id)?.category ?? null]));
  }

  private remember(productId: string, category: string | null): void {
    this.known.delete(productId);
    if (this.known.size >= (this.options.maxEntries ?? 50_000)) {
      this.known.delete(this.known.keys().next().value ?? '');
    }
    this.known.set(productId, { category, learntAt: Date.now() });
  }
}

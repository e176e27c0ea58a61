/**
 * Product ids come from price-watch: `POST /internal/products/resolve {gtin, name?, brand?}` ->
 * `{productId}`. Behind this interface so tests can point it at a loopback server.
 */
import { ResolvedProduct } from '@cartwatch/common-types';
import { AppError, createInternalClient, InternalHttpError } from '@cartwatch/service-kit';

export interface ProductToResolve {
  gtin: string;
  name?: string | undefined;
  brand?: string | undefined;
}

export interface ProductResolver {
  resolve(product: ProductToResolve, options?: { requestId?: string | undefined }): Promise<string>;
}

/** A failing price-watch is the client's 503 (retry later); a GTIN it refuses is the client's 422. */
function resolverError(error: unknown, gtin: string): unknown {
  if (!(error instanceof InternalHttpError)) return error;
  if (error.upstreamStatus >= 500) {
    return new AppError('UPSTREAM_UNAVAILABLE', 'price-watch could not resolve the product', undefined, {
      cause: error,
    });
  }
  if (error.upstreamStatus === 404 || error.upstreamStatus === 400 || error.upstreamStatus === 422) {
    return AppError.unprocessable('the GTIN could not be resolved to a product', { gtin });
  }
  return error;
}

export function createPriceWatchResolver(options: { baseUrl: string; serviceKey: string }): ProductResolver {
  const client = createInternalClient({
    baseUrl: options.baseUrl,
    serviceKey: options.serviceKey,
    caller: 'orders',
  });
  return {
    async resolve(product, callOptions = {}) {
      const body: ProductToResolve = { gtin: product.gtin };
      if (product.name !== undefined) body.name = product.name;
      if (product.brand !== undefined) body.brand = product.brand;
      // Resolving a GTIN is idempotent by nature, so the call may be retried.
      try {
        const result = await client.post('/internal/products/resolve', body, {
          schema: ResolvedProduct,
          idempotencyKey: `resolve-gtin-${product.gtin}`,
          ...(callOptions.requestId !== undefined && { requestId: callOptions.requestId }),
        });
        return result.productId;
      } catch (error) {
        throw resolverError(error, product.gtin);
      }
    },
  };
}

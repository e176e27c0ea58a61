/** Catalog routes: search, detail, admin merge/split, and GTIN resolution for other services. */
import {
  DismissMergeCandidate,
  MergeCandidateList,
  MergeCandidateQuery,
  MergeProductBody,
  Product,
  ProductCategoryList,
  ProductDetail,
  ProductHistory,
  ProductListQuery,
  ProductPage,
  ProductParams,
  ProductUpdate,
  productCategoryTaxonomy,
  ResolvedProduct,
  ResolveProductBody,
  ResolveProductQuery,
  SplitProductBody,
} from '@cartwatch/common-types';
import type { Database } from '@cartwatch/db';
import {
  defineRoute,
  errorResponses,
  jsonResponse,
  type RouteDefinition,
  requireAdmin,
} from '@cartwatch/service-kit';
import type { DB } from '../db/schema.js';
import type { SharedOptions } from '../prices/consensus.repository.js';
import { getProductDetail } from '../prices/prices.service.js';
import { productHistory } from './attributes.service.js';
import {
  editProduct,
  findOrCreateByGtin,
  listProducts,
  mergeProducts,
  resolveByGtin,
  splitProduct,
} from './catalog.service.js';
import { dismissMergeCandidate, mergeCandidates } from './merge-candidates.js';

export function catalogRoutes(deps: { database: Database<DB>; shared: SharedOptions }): RouteDefinition[] {
  const { database } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/products',
      summary: 'Search products (trigram + prefix on the name), by category or store',
      user: 'required',
      request: { query: ProductListQuery },
      responses: {
        200: jsonResponse(ProductPage, 'A page of products'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      read: ({ query, user }) => listProducts(database, query, user.id),
    }),
    defineRoute({
      method: 'get',
      path: '/products/categories',
      summary: 'The product category taxonomy, each with the BLS CPI category whose basket it is in',
      user: 'required',
      responses: {
        200: jsonResponse(ProductCategoryList, 'Categories'),
        ...errorResponses('UNAUTHENTICATED'),
      },
      read: async () => ({
        items: Object.entries(productCategoryTaxonomy).map(([category, cpiCategory]) => ({
          category,
          cpiCategory,
        })),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/products/merge-candidates',
      summary:
        'Admin: suspected duplicate products — one GTIN family, or alike names of one brand and pack size (docs/price-watch.md)',
      use: [requireAdmin],
      request: { query: MergeCandidateQuery },
      responses: {
        200: jsonResponse(MergeCandidateList, 'GTIN families first, then by similarity'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN'),
      },
      read: async ({ query }) => ({ items: await mergeCandidates(database, query.limit) }),
    }),
    defineRoute({
      method: 'post',
      path: '/products/merge-candidates/dismiss',
      summary: 'Admin: the pair is not a duplicate; it is never suggested again',
      user: 'required',
      use: [requireAdmin],
      request: { body: DismissMergeCandidate },
      responses: {
        204: { description: 'Dismissed' },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND'),
      },
      handler: async ({ body, user }, _req, res) => {
        await dismissMergeCandidate(database, body.productIds, user.id);
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'get',
      path: '/products/:id',
      summary: 'A product with its latest price and unit price per store and the cheapest store',
      user: 'required',
      request: { params: ProductParams },
      responses: {
        200: jsonResponse(ProductDetail, 'The product'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params, user }) => getProductDetail(database, params.id, user.id),
    }),
    defineRoute({
      method: 'patch',
      path: '/products/:id',
      summary:
        'Admin: set brand, category or pack size (wins over the evidence) or clear them (back to the evidence); recorded in the history',
      user: 'required',
      use: [requireAdmin],
      request: { params: ProductParams, body: ProductUpdate },
      responses: {
        200: jsonResponse(Product, 'The product'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
      },
      read: ({ params, body, user }) => editProduct(database, params.id, body, user.id),
    }),
    defineRoute({
      method: 'get',
      path: '/products/:id/history',
      summary:
        'Admin: changes of the product’s brand, category and pack size (who, when, old -> new), newest first',
      use: [requireAdmin],
      request: { params: ProductParams },
      responses: {
        200: jsonResponse(ProductHistory, 'The history'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND'),
      },
      read: ({ params }) => productHistory(database, params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/products/:id/merge',
      summary: 'Admin: merge this product into another (history kept)',
      user: 'required',
      use: [requireAdmin],
      request: { params: ProductParams, body: MergeProductBody },
      responses: {
        200: jsonResponse(Product, 'The surviving product'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
      },
      read: ({ params, body, user }) =>
        mergeProducts(database, params.id, body.targetProductId, user.id, deps.shared),
    }),
    defineRoute({
      method: 'post',
      path: '/products/:id/split',
      summary: 'Admin: move wrongly matched purchase lines and/or GTINs to a new product',
      user: 'required',
      use: [requireAdmin],
      request: { params: ProductParams, body: SplitProductBody },
      responses: {
        201: jsonResponse(Product, 'The new product'),
        ...errorResponses(
          'VALIDATION_FAILED',
          'UNAUTHENTICATED',
          'FORBIDDEN',
          'NOT_FOUND',
          'CONFLICT',
          'UNPROCESSABLE',
        ),
      },
      handler: async ({ params, body, user }, _req, res) => {
        res.status(201).json(await splitProduct(database, params.id, body, user.id, deps.shared));
      },
    }),
    // Service-to-service (the gateway never exposes /internal/*).
    defineRoute({
      method: 'get',
      path: '/internal/products/resolve',
      summary: 'Internal: the live product of a GTIN',
      request: { query: ResolveProductQuery },
      responses: {
        200: jsonResponse(Product, 'The product'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ query }) => resolveByGtin(database, query.gtin),
    }),
    defineRoute({
      method: 'post',
      path: '/internal/products/resolve',
      summary:
        'Internal: the product of a GTIN, created when there is none (orders resolves catalog items with it)',
      request: { body: ResolveProductBody },
      responses: {
        200: jsonResponse(ResolvedProduct, 'The existing product'),
        201: jsonResponse(ResolvedProduct, 'The product, created'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      handler: async ({ body }, _req, res) => {
        const result = await findOrCreateByGtin(database, body);
        res.status(result.created ? 201 : 200).json(result);
      },
    }),
  ];
}

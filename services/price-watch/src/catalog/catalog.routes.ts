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
  ResolveProductBody,
  ResolveProductQuery,
  SplitProductBody,
} from '@cartwatch/common-types';
import type { Database } from '@cartwatch/db';
import {
  currentUser,
  errorResponses,
  jsonResponse,
  type OpenAPIRegistry,
  parseBody,
  parseParams,
  parseQuery,
  requireAdmin,
  requireUser,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
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

export function mountCatalogRoutes(
  app: Express,
  deps: { database: Database<DB>; registry: OpenAPIRegistry; shared: SharedOptions },
): void {
  const { database, registry } = deps;

  registry.registerPath({
    method: 'get',
    path: '/products',
    summary: 'Search products (trigram + prefix on the name), by category or store',
    request: { query: ProductListQuery },
    responses: {
      200: jsonResponse(ProductPage, 'A page of products'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  app.get('/products', requireUser, async (req, res) => {
    res.json(await listProducts(database, parseQuery(ProductListQuery, req), currentUser(req).id));
  });

  registry.registerPath({
    method: 'get',
    path: '/products/categories',
    summary: 'The product category taxonomy, each with the BLS CPI category whose basket it is in',
    responses: { 200: jsonResponse(ProductCategoryList, 'Categories'), ...errorResponses('UNAUTHENTICATED') },
  });
  app.get('/products/categories', requireUser, (_req, res) => {
    res.json({
      items: Object.entries(productCategoryTaxonomy).map(([category, cpiCategory]) => ({
        category,
        cpiCategory,
      })),
    });
  });

  registry.registerPath({
    method: 'get',
    path: '/products/merge-candidates',
    summary:
      'Admin: suspected duplicate products — one GTIN family, or alike names of one brand and pack size (docs/price-watch.md)',
    request: { query: MergeCandidateQuery },
    responses: {
      200: jsonResponse(MergeCandidateList, 'GTIN families first, then by similarity'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN'),
    },
  });
  app.get('/products/merge-candidates', requireAdmin, async (req, res) => {
    res.json({ items: await mergeCandidates(database, parseQuery(MergeCandidateQuery, req).limit) });
  });

  registry.registerPath({
    method: 'post',
    path: '/products/merge-candidates/dismiss',
    summary: 'Admin: the pair is not a duplicate; it is never suggested again',
    request: { body: { content: { 'application/json': { schema: DismissMergeCandidate } } } },
    responses: {
      204: { description: 'Dismissed' },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND'),
    },
  });
  app.post('/products/merge-candidates/dismiss', requireAdmin, async (req, res) => {
    const { productIds } = parseBody(DismissMergeCandidate, req);
    await dismissMergeCandidate(database, productIds, currentUser(req).id);
    res.status(204).end();
  });

  registry.registerPath({
    method: 'get',
    path: '/products/{id}',
    summary: 'A product with its latest price and unit price per store and the cheapest store',
    request: { params: ProductParams },
    responses: {
      200: jsonResponse(ProductDetail, 'The product'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  app.get('/products/:id', requireUser, async (req, res) => {
    res.json(await getProductDetail(database, parseParams(ProductParams, req).id, currentUser(req).id));
  });

  registry.registerPath({
    method: 'patch',
    path: '/products/{id}',
    summary:
      'Admin: set brand, category or pack size (wins over the evidence) or clear them (back to the evidence); recorded in the history',
    request: {
      params: ProductParams,
      body: { content: { 'application/json': { schema: ProductUpdate } } },
    },
    responses: {
      200: jsonResponse(Product, 'The product'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
    },
  });
  app.patch('/products/:id', requireAdmin, async (req, res) => {
    const { id } = parseParams(ProductParams, req);
    const body = parseBody(ProductUpdate, req);
    res.json(await editProduct(database, id, body, currentUser(req).id));
  });

  registry.registerPath({
    method: 'get',
    path: '/products/{id}/history',
    summary:
      'Admin: changes of the product’s brand, category and pack size (who, when, old -> new), newest first',
    request: { params: ProductParams },
    responses: {
      200: jsonResponse(ProductHistory, 'The history'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND'),
    },
  });
  app.get('/products/:id/history', requireAdmin, async (req, res) => {
    res.json(await productHistory(database, parseParams(ProductParams, req).id));
  });

  registry.registerPath({
    method: 'post',
    path: '/products/{id}/merge',
    summary: 'Admin: merge this product into another (history kept)',
    request: {
      params: ProductParams,
      body: { content: { 'application/json': { schema: MergeProductBody } } },
    },
    responses: {
      200: jsonResponse(Product, 'The surviving product'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
    },
  });
  app.post('/products/:id/merge', requireAdmin, async (req, res) => {
    const { id } = parseParams(ProductParams, req);
    const body = parseBody(MergeProductBody, req);
    res.json(await mergeProducts(database, id, body.targetProductId, currentUser(req).id, deps.shared));
  });

  registry.registerPath({
    method: 'post',
    path: '/products/{id}/split',
    summary: 'Admin: move wrongly matched purchase lines and/or GTINs to a new product',
    request: {
      params: ProductParams,
      body: { content: { 'application/json': { schema: SplitProductBody } } },
    },
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
  });
  app.post('/products/:id/split', requireAdmin, async (req, res) => {
    const { id } = parseParams(ProductParams, req);
    const body = parseBody(SplitProductBody, req);
    res.status(201).json(await splitProduct(database, id, body, currentUser(req).id, deps.shared));
  });

  // Service-to-service (the gateway never exposes /internal/*).
  app.get('/internal/products/resolve', async (req, res) => {
    res.json(await resolveByGtin(database, parseQuery(ResolveProductQuery, req).gtin));
  });
  app.post('/internal/products/resolve', async (req, res) => {
    const result = await findOrCreateByGtin(database, parseBody(ResolveProductBody, req));
    res.status(result.created ? 201 : 200).json(result);
  });
}

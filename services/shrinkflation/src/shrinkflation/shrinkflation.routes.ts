/** HTTP routes of the shrinkflation service; thin: parse, call the service, answer. */
import { createHash } from 'node:crypto';
import {
  ModerationQuery,
  ProductIdParams,
  ProductSizeHistory,
  PublicShrinkflationPage,
  PublicShrinkflationQuery,
  Shrinkflation,
  ShrinkflationDetail,
  ShrinkflationIdParams,
  ShrinkflationListQuery,
  ShrinkflationPage,
  ShrinkflationReview,
} from '@cartwatch/common-types';
import {
  currentUser,
  errorResponses,
  type OpenAPIRegistry,
  parseBody,
  parseParams,
  parseQuery,
  requestIdOf,
  requireAdmin,
  requireUser,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
import {
  getDetection,
  listDetections,
  listModerationQueue,
  listPublicDetections,
  productSizeHistory,
  reviewDetection,
  type ShrinkflationDeps,
} from './shrinkflation.service.js';

export function mountShrinkflationRoutes(app: Express, deps: ShrinkflationDeps): void {
  app.get('/shrinkflation', requireUser, async (req, res) => {
    res.json(await listDetections(deps, parseQuery(ShrinkflationListQuery, req), currentUser(req)));
  });

  // Before `/shrinkflation/:id`: "moderation" is no id.
  app.get('/shrinkflation/moderation', requireAdmin, async (req, res) => {
    res.json(await listModerationQueue(deps, parseQuery(ModerationQuery, req)));
  });

  app.get('/shrinkflation/products/:productId', requireUser, async (req, res) => {
    const { productId } = parseParams(ProductIdParams, req);
    res.json(await productSizeHistory(deps, productId));
  });

  app.get('/shrinkflation/:id', requireUser, async (req, res) => {
    const { id } = parseParams(ShrinkflationIdParams, req);
    res.json(await getDetection(deps, id, currentUser(req)));
  });

  for (const [action, decision] of [
    ['confirm', 'confirmed'],
    ['reject', 'rejected'],
  ] as const) {
    app.post(`/shrinkflation/:id/${action}`, requireAdmin, async (req, res) => {
      const { id } = parseParams(ShrinkflationIdParams, req);
      // The body is optional: a bare POST confirms or rejects without a note.
      const review = parseBody(ShrinkflationReview.optional(), req);
      res.json(await reviewDetection(deps, currentUser(req), id, decision, review?.note, requestIdOf(req)));
    });
  }

  app.get('/public/shrinkflation', async (req, res) => {
    const body = await listPublicDetections(deps, parseQuery(PublicShrinkflationQuery, req));
    // The gateway holds the one public cache; anyone else revalidates (the ETag makes that cheap).
    res.set('Cache-Control', 'public, no-cache');
    res.set('ETag', `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`);
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    res.type('application/json').send(body);
  });
}

export function registerShrinkflationOpenApi(registry: OpenAPIRegistry): void {
  const json = <T>(schema: T) => ({ 'application/json': { schema } });
  registry.registerPath({
    method: 'get',
    path: '/shrinkflation',
    summary: 'Detected shrinkflation events, newest first',
    request: { query: ShrinkflationListQuery },
    responses: {
      200: { description: 'A page of events', content: json(ShrinkflationPage) },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/shrinkflation/moderation',
    summary:
      'Admin: the moderation queue — detections awaiting a review, with their contributors and whether their evidence is independent',
    request: { query: ModerationQuery },
    responses: {
      200: { description: 'A page of events', content: json(ShrinkflationPage) },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/shrinkflation/{id}',
    summary: 'One event with its evidence: the observations before and after the change',
    request: { params: ShrinkflationIdParams },
    responses: {
      200: { description: 'The event', content: json(ShrinkflationDetail) },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/shrinkflation/products/{productId}',
    summary: "A product's pack-size history per store",
    request: { params: ProductIdParams },
    responses: {
      200: { description: 'The size history', content: json(ProductSizeHistory) },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  for (const action of ['confirm', 'reject'] as const) {
    registry.registerPath({
      method: 'post',
      path: `/shrinkflation/{id}/${action}`,
      summary:
        action === 'confirm'
          ? 'Admin: confirm an event (alerts buyers if it has not yet)'
          : 'Admin: reject an event (it never alerts and leaves the public list)',
      request: {
        params: ShrinkflationIdParams,
        body: { required: false, content: json(ShrinkflationReview) },
      },
      responses: {
        200: { description: 'The reviewed event', content: json(Shrinkflation) },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND'),
      },
    });
  }
  registry.registerPath({
    method: 'get',
    path: '/public/shrinkflation',
    summary:
      'Public list: confirmed events, or high-confidence ones with independent evidence (cached briefly; ETag/If-None-Match)',
    request: { query: PublicShrinkflationQuery },
    responses: {
      200: { description: 'A page of events', content: json(PublicShrinkflationPage) },
      304: { description: 'Not modified since the ETag given in If-None-Match' },
      ...errorResponses('VALIDATION_FAILED'),
    },
  });
}

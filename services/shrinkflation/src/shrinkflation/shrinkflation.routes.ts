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
  defineRoute,
  errorResponses,
  parseBody,
  type RouteDefinition,
  requestIdOf,
  requireAdmin,
} from '@cartwatch/service-kit';
import {
  getDetection,
  listDetections,
  listModerationQueue,
  listPublicDetections,
  productSizeHistory,
  reviewDetection,
  type ShrinkflationDeps,
} from './shrinkflation.service.js';

const json = <T>(schema: T) => ({ 'application/json': { schema } });

export function shrinkflationRoutes(deps: ShrinkflationDeps): RouteDefinition[] {
  const reviews = (['confirm', 'reject'] as const).map((action) =>
    defineRoute({
      method: 'post',
      path: `/shrinkflation/:id/${action}`,
      summary:
        action === 'confirm'
          ? 'Admin: confirm an event (alerts buyers if it has not yet)'
          : 'Admin: reject an event (it never alerts and leaves the public list)',
      // requireAdmin answers 401 without a user exactly as the user check before it does.
      user: 'required',
      use: [requireAdmin],
      request: {
        params: ShrinkflationIdParams,
        // Optional: a bare POST confirms or rejects without a note (parsed below, `required: false`).
        body: { required: false, content: json(ShrinkflationReview) },
      },
      responses: {
        200: { description: 'The reviewed event', content: json(Shrinkflation) },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND'),
      },
      handler: async ({ params, user }, req, res) => {
        const review = parseBody(ShrinkflationReview.optional(), req);
        const decision = action === 'confirm' ? 'confirmed' : 'rejected';
        res.json(await reviewDetection(deps, user, params.id, decision, review?.note, requestIdOf(req)));
      },
    }),
  );
  return [
    defineRoute({
      method: 'get',
      path: '/shrinkflation',
      summary: 'Detected shrinkflation events, newest first',
      user: 'required',
      request: { query: ShrinkflationListQuery },
      responses: {
        200: { description: 'A page of events', content: json(ShrinkflationPage) },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      read: ({ query, user }) => listDetections(deps, query, user),
    }),
    // Before `/shrinkflation/:id`: "moderation" is no id.
    defineRoute({
      method: 'get',
      path: '/shrinkflation/moderation',
      summary:
        'Admin: the moderation queue — detections awaiting a review, with their contributors and whether their evidence is independent',
      use: [requireAdmin],
      request: { query: ModerationQuery },
      responses: {
        200: { description: 'A page of events', content: json(ShrinkflationPage) },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN'),
      },
      read: ({ query }) => listModerationQueue(deps, query),
    }),
    defineRoute({
      method: 'get',
      path: '/shrinkflation/products/:productId',
      summary: "A product's pack-size history per store",
      user: 'required',
      request: { params: ProductIdParams },
      responses: {
        200: { description: 'The size history', content: json(ProductSizeHistory) },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params }) => productSizeHistory(deps, params.productId),
    }),
    defineRoute({
      method: 'get',
      path: '/shrinkflation/:id',
      summary: 'One event with its evidence: the observations before and after the change',
      user: 'required',
      request: { params: ShrinkflationIdParams },
      responses: {
        200: { description: 'The event', content: json(ShrinkflationDetail) },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params, user }) => getDetection(deps, params.id, user),
    }),
    ...reviews,
    defineRoute({
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
      handler: async ({ query }, req, res) => {
        const body = await listPublicDetections(deps, query);
        // The gateway holds the one public cache; anyone else revalidates (the ETag makes that cheap).
        res.set('Cache-Control', 'public, no-cache');
        res.set('ETag', `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`);
        if (req.fresh) {
          res.status(304).end();
          return;
        }
        res.type('application/json').send(body);
      },
    }),
  ];
}

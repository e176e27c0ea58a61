/** Watch routes: the user's watchlist, URL checks on demand and the history of checks. */
import {
  CreateWatch,
  PaginationQuery,
  UpdateWatch,
  Watch,
  WatchPage,
  WatchParams,
  WatchRun,
  WatchRunPage,
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
  requireUser,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
import { z } from 'zod';
import type { DB } from '../db/schema.js';
import {
  type CheckUrl,
  checkWatchNow,
  createWatch,
  getWatch,
  listWatches,
  listWatchRuns,
  patchWatch,
  removeWatch,
} from './watches.service.js';

const ListQuery = z.strictObject(PaginationQuery.shape);

export function mountWatchRoutes(
  app: Express,
  deps: { database: Database<DB>; registry: OpenAPIRegistry; checkUrl: CheckUrl; renderingEnabled: boolean },
): void {
  const { database, registry, checkUrl, renderingEnabled } = deps;
  const body = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });

  registry.registerPath({
    method: 'post',
    path: '/watches',
    summary: 'Watch a product or a product page URL with thresholds',
    request: { body: body(CreateWatch) },
    responses: {
      201: jsonResponse(Watch, 'The watch'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'UNPROCESSABLE'),
    },
  });
  app.post('/watches', requireUser, async (req, res) => {
    res
      .status(201)
      .json(await createWatch(database, currentUser(req).id, renderingEnabled, parseBody(CreateWatch, req)));
  });

  registry.registerPath({
    method: 'get',
    path: '/watches',
    summary: 'Your watches',
    request: { query: ListQuery },
    responses: {
      200: jsonResponse(WatchPage, 'A page of watches'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  app.get('/watches', requireUser, async (req, res) => {
    res.json(await listWatches(database, currentUser(req).id, parseQuery(ListQuery, req)));
  });

  registry.registerPath({
    method: 'get',
    path: '/watches/{id}',
    summary: 'One of your watches',
    request: { params: WatchParams },
    responses: {
      200: jsonResponse(Watch, 'The watch'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  app.get('/watches/:id', requireUser, async (req, res) => {
    res.json(await getWatch(database, currentUser(req).id, parseParams(WatchParams, req).id));
  });

  registry.registerPath({
    method: 'patch',
    path: '/watches/{id}',
    summary: 'Change thresholds (null clears one); a new target price re-arms the target alert',
    request: { params: WatchParams, body: body(UpdateWatch) },
    responses: {
      200: jsonResponse(Watch, 'The watch'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'UNPROCESSABLE'),
    },
  });
  app.patch('/watches/:id', requireUser, async (req, res) => {
    const { id } = parseParams(WatchParams, req);
    res.json(
      await patchWatch(database, currentUser(req).id, id, renderingEnabled, parseBody(UpdateWatch, req)),
    );
  });

  registry.registerPath({
    method: 'delete',
    path: '/watches/{id}',
    summary: 'Delete one of your watches',
    request: { params: WatchParams },
    responses: {
      204: { description: 'Deleted' },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  app.delete('/watches/:id', requireUser, async (req, res) => {
    await removeWatch(database, currentUser(req).id, parseParams(WatchParams, req).id);
    res.status(204).end();
  });

  registry.registerPath({
    method: 'post',
    path: '/watches/{id}/check',
    summary: 'Check a URL watch now; the run (price or error) is returned and recorded',
    request: { params: WatchParams },
    responses: {
      200: jsonResponse(WatchRun, 'The run'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'UNPROCESSABLE'),
    },
  });
  app.post('/watches/:id/check', requireUser, async (req, res) => {
    res.json(await checkWatchNow(database, checkUrl, currentUser(req).id, parseParams(WatchParams, req).id));
  });

  registry.registerPath({
    method: 'get',
    path: '/watches/{id}/runs',
    summary: 'Every check of a URL watch: price, currency, availability, error',
    request: { params: WatchParams, query: ListQuery },
    responses: {
      200: jsonResponse(WatchRunPage, 'Runs'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  app.get('/watches/:id/runs', requireUser, async (req, res) => {
    const { id } = parseParams(WatchParams, req);
    res.json(await listWatchRuns(database, currentUser(req).id, id, parseQuery(ListQuery, req)));
  });
}

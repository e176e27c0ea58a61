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
import { defineRoute, errorResponses, jsonResponse, type RouteDefinition } from '@cartwatch/service-kit';
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

export function watchRoutes(deps: {
  database: Database<DB>;
  checkUrl: CheckUrl;
  renderingEnabled: boolean;
}): RouteDefinition[] {
  const { database, checkUrl, renderingEnabled } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/watches',
      summary: 'Watch a product or a product page URL with thresholds',
      user: 'required',
      request: { body: CreateWatch },
      responses: {
        201: jsonResponse(Watch, 'The watch'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'UNPROCESSABLE'),
      },
      handler: async ({ body, user }, _req, res) => {
        res.status(201).json(await createWatch(database, user.id, renderingEnabled, body));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/watches',
      summary: 'Your watches',
      user: 'required',
      request: { query: ListQuery },
      responses: {
        200: jsonResponse(WatchPage, 'A page of watches'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      read: ({ query, user }) => listWatches(database, user.id, query),
    }),
    defineRoute({
      method: 'get',
      path: '/watches/:id',
      summary: 'One of your watches',
      user: 'required',
      request: { params: WatchParams },
      responses: {
        200: jsonResponse(Watch, 'The watch'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params, user }) => getWatch(database, user.id, params.id),
    }),
    defineRoute({
      method: 'patch',
      path: '/watches/:id',
      summary: 'Change thresholds (null clears one); a new target price re-arms the target alert',
      user: 'required',
      request: { params: WatchParams, body: UpdateWatch },
      responses: {
        200: jsonResponse(Watch, 'The watch'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'UNPROCESSABLE'),
      },
      read: ({ params, body, user }) => patchWatch(database, user.id, params.id, renderingEnabled, body),
    }),
    defineRoute({
      method: 'delete',
      path: '/watches/:id',
      summary: 'Delete one of your watches',
      user: 'required',
      request: { params: WatchParams },
      responses: {
        204: { description: 'Deleted' },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      handler: async ({ params, user }, _req, res) => {
        await removeWatch(database, user.id, params.id);
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'post',
      path: '/watches/:id/check',
      summary: 'Check a URL watch now; the run (price or error) is returned and recorded',
      user: 'required',
      request: { params: WatchParams },
      responses: {
        200: jsonResponse(WatchRun, 'The run'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'UNPROCESSABLE'),
      },
      read: ({ params, user }) => checkWatchNow(database, checkUrl, user.id, params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/watches/:id/runs',
      summary: 'Every check of a URL watch: price, currency, availability, error',
      user: 'required',
      request: { params: WatchParams, query: ListQuery },
      responses: {
        200: jsonResponse(WatchRunPage, 'Runs'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params, query, user }) => listWatchRuns(database, user.id, params.id, query),
    }),
  ];
}

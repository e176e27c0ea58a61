/** POST /scraping/{slug}/sync, GET /scraping/status, GET /scraping/jobs/{id}: the caller's store syncs. */
import { ReceiptIngestApi as Api, pageOf } from '@cartwatch/common-types';
import {
  currentUser,
  errorResponses,
  jsonResponse,
  type OpenAPIRegistry,
  parseParams,
  parseQuery,
  requireUser,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
import type { AppDeps } from '../app-deps.js';
import * as scrapingService from './scraping.service.js';

export function registerScrapingRoutes(app: Express, deps: AppDeps): void {
  app.post('/scraping/:slug/sync', requireUser, async (req, res) => {
    const { slug } = parseParams(Api.StoreSlugParams, req);
    const { job, created } = await scrapingService.requestSync(deps, currentUser(req).id, slug);
    res
      .status(created ? 202 : 200)
      .location(`/scraping/jobs/${job.id}`)
      .json(job);
  });

  app.get('/scraping/status', requireUser, async (req, res) => {
    const query = parseQuery(Api.ListQuery, req);
    res.json(await scrapingService.listSyncStatus(deps.database, currentUser(req).id, query));
  });

  app.get('/scraping/jobs/:id', requireUser, async (req, res) => {
    const { id } = parseParams(Api.SyncJobIdParams, req);
    res.json(await scrapingService.getJob(deps.database, currentUser(req).id, id));
  });
}

export function documentScrapingRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/scraping/{slug}/sync',
    summary: "Queue a sync of the caller's connected account at this store",
    description:
      'Answers 202 with the new job, or 200 with the job already queued or running for the account (syncs never pile up). Poll `GET /scraping/jobs/{id}` or `GET /scraping/status`.',
    request: { params: Api.StoreSlugParams },
    responses: {
      202: jsonResponse(Api.SyncJob, 'Queued'),
      200: jsonResponse(Api.SyncJob, 'A sync of this account was already queued or running'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'CONFLICT', 'UNPROCESSABLE'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/scraping/status',
    summary: "Sync status of each of the caller's store accounts: latest job, last and next run, error",
    request: { query: Api.ListQuery },
    responses: {
      200: jsonResponse(pageOf(Api.SyncAccountStatus), 'A page of accounts, by store slug'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/scraping/jobs/{id}',
    summary: 'One of the caller’s sync jobs',
    request: { params: Api.SyncJobIdParams },
    responses: {
      200: jsonResponse(Api.SyncJob, 'The job'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
}

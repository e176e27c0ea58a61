/** POST /scraping/{slug}/sync, GET /scraping/status, GET /scraping/jobs/{id}: the caller's store syncs. */
import { ReceiptIngestApi as Api, pageOf } from '@cartwatch/common-types';
import { defineRoute, errorResponses, jsonResponse, type RouteDefinition } from '@cartwatch/service-kit';
import type { AppDeps } from '../app-deps.js';
import * as scrapingService from './scraping.service.js';

export function scrapingRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/scraping/:slug/sync',
      summary: "Queue a sync of the caller's connected account at this store",
      description:
        'Answers 202 with the new job, or 200 with the job already queued or running for the account (syncs never pile up). Poll `GET /scraping/jobs/{id}` or `GET /scraping/status`.',
      user: 'required',
      request: { params: Api.StoreSlugParams },
      responses: {
        202: jsonResponse(Api.SyncJob, 'Queued'),
        200: jsonResponse(Api.SyncJob, 'A sync of this account was already queued or running'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'CONFLICT', 'UNPROCESSABLE'),
      },
      handler: async ({ params, user }, _req, res) => {
        const { job, created } = await scrapingService.requestSync(deps, user.id, params.slug);
        res
          .status(created ? 202 : 200)
          .location(`/scraping/jobs/${job.id}`)
          .json(job);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/scraping/status',
      summary: "Sync status of each of the caller's store accounts: latest job, last and next run, error",
      user: 'required',
      request: { query: Api.ListQuery },
      responses: {
        200: jsonResponse(pageOf(Api.SyncAccountStatus), 'A page of accounts, by store slug'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      read: ({ query, user }) => scrapingService.listSyncStatus(deps.database, user.id, query),
    }),
    defineRoute({
      method: 'get',
      path: '/scraping/jobs/:id',
      summary: 'One of the caller’s sync jobs',
      user: 'required',
      request: { params: Api.SyncJobIdParams },
      responses: {
        200: jsonResponse(Api.SyncJob, 'The job'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params, user }) => scrapingService.getJob(deps.database, user.id, params.id),
    }),
  ];
}

/** GET /me/stores, POST /me/stores/{slug}/connect, DELETE /me/stores/{slug}. Credentials never come back. */
import { ReceiptIngestApi as Api, pageOf } from '@cartwatch/common-types';
import {
  currentUser,
  errorResponses,
  type OpenAPIRegistry,
  parseBody,
  parseParams,
  parseQuery,
  requireUser,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
import type { AppDeps } from '../app-deps.js';
import * as accountsService from './accounts.service.js';

export function registerAccountRoutes(app: Express, { database, cipher }: AppDeps): void {
  app.get('/me/stores', requireUser, async (req, res) => {
    const query = parseQuery(Api.ListQuery, req);
    res.json(await accountsService.listStoreAccounts(database, currentUser(req).id, query));
  });

  app.post('/me/stores/:slug/connect', requireUser, async (req, res) => {
    const { slug } = parseParams(Api.StoreSlugParams, req);
    const credentials = parseBody(Api.ConnectStore, req);
    await accountsService.connectStore(database, cipher, currentUser(req).id, slug, credentials);
    res.status(204).end();
  });

  app.delete('/me/stores/:slug', requireUser, async (req, res) => {
    const { slug } = parseParams(Api.StoreSlugParams, req);
    await accountsService.disconnectStore(database, currentUser(req).id, slug);
    res.status(204).end();
  });
}

export function documentAccountRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/me/stores',
    summary: "The caller's connected store accounts (never their credentials)",
    request: { query: Api.ListQuery },
    responses: {
      200: {
        description: 'A page of accounts',
        content: { 'application/json': { schema: pageOf(Api.StoreAccount) } },
      },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/me/stores/{slug}/connect',
    summary: 'Connect (or re-connect) a store account; the credentials are stored encrypted',
    request: {
      params: Api.StoreSlugParams,
      body: { content: { 'application/json': { schema: Api.ConnectStore } } },
    },
    responses: {
      204: { description: 'Connected' },
      ...errorResponses(
        'VALIDATION_FAILED',
        'UNAUTHENTICATED',
        'NOT_FOUND',
        'UNPROCESSABLE',
        'UPSTREAM_UNAVAILABLE',
      ),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/me/stores/{slug}',
    summary: 'Disconnect a store account and forget its credentials and session',
    request: { params: Api.StoreSlugParams },
    responses: { 204: { description: 'Disconnected' }, ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND') },
  });
}

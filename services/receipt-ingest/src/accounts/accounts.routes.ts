/** GET /me/stores, POST /me/stores/{slug}/connect, DELETE /me/stores/{slug}. Credentials never come back. */
import { ReceiptIngestApi as Api, pageOf } from '@cartwatch/common-types';
import { defineRoute, errorResponses, type RouteDefinition } from '@cartwatch/service-kit';
import type { AppDeps } from '../app-deps.js';
import * as accountsService from './accounts.service.js';

export function accountRoutes({ database, cipher }: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/me/stores',
      summary: "The caller's connected store accounts (never their credentials)",
      user: 'required',
      request: { query: Api.ListQuery },
      responses: {
        200: {
          description: 'A page of accounts',
          content: { 'application/json': { schema: pageOf(Api.StoreAccount) } },
        },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      read: ({ query, user }) => accountsService.listStoreAccounts(database, user.id, query),
    }),
    defineRoute({
      method: 'post',
      path: '/me/stores/:slug/connect',
      summary: 'Connect (or re-connect) a store account; the credentials are stored encrypted',
      user: 'required',
      request: { params: Api.StoreSlugParams, body: Api.ConnectStore },
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
      handler: async ({ params, body, user }, _req, res) => {
        await accountsService.connectStore(database, cipher, user.id, params.slug, body);
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/me/stores/:slug',
      summary: 'Disconnect a store account and forget its credentials and session',
      user: 'required',
      request: { params: Api.StoreSlugParams },
      responses: { 204: { description: 'Disconnected' }, ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND') },
      handler: async ({ params, user }, _req, res) => {
        await accountsService.disconnectStore(database, user.id, params.slug);
        res.status(204).end();
      },
    }),
  ];
}

/** /admin/users: platform admins find accounts and grant or revoke roles (store staff, admin). */
import { AdminUserQuery, pageOf, SetUserRoleRequest, User, UserIdParams } from '@cartwatch/common-types';
import {
  AppError,
  defineRoute,
  errorResponses,
  jsonResponse,
  type RouteDefinition,
  requestIdOf,
} from '@cartwatch/service-kit';
import type { RequestHandler } from 'express';
import { sessionOf } from '../auth/authenticate.js';
import type { UserAdminService } from './user-admin.service.js';

export function userAdminRoutes(deps: {
  admin: UserAdminService;
  session: RequestHandler;
}): RouteDefinition[] {
  const adminOnly: RequestHandler = (_req, res, next) => {
    if (sessionOf(res).role !== 'admin') throw AppError.forbidden('admin role required');
    next();
  };
  const use = [deps.session, adminOnly];

  return [
    defineRoute({
      method: 'get',
      path: '/admin/users',
      tags: ['admin'],
      summary: 'Find accounts by e-mail, role or retailer (admin)',
      use,
      request: { query: AdminUserQuery },
      responses: {
        200: jsonResponse(pageOf(User), 'A page of accounts, oldest first'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN'),
      },
      handler: async ({ query }, _req, res) => {
        res.json(await deps.admin.list(query));
      },
    }),
    defineRoute({
      method: 'put',
      path: '/admin/users/:id/role',
      tags: ['admin'],
      summary:
        "Grant or revoke a role (admin): store staff of one retailer, admin, or back to shopper; ends the account's sessions",
      use,
      request: { params: UserIdParams, body: SetUserRoleRequest },
      responses: {
        200: jsonResponse(User, 'The account with its new role'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
      },
      handler: async ({ params, body }, req, res) => {
        res.json(await deps.admin.setRole({ id: sessionOf(res).userId }, params.id, body, requestIdOf(req)));
      },
    }),
  ];
}

/** /admin/users: platform admins find accounts and grant or revoke roles (store staff, admin). */
import { AdminUserQuery, SetUserRoleRequest, UserIdParams } from '@cartwatch/common-types';
import { AppError, parseBody, parseParams, parseQuery, requestIdOf } from '@cartwatch/service-kit';
import type { Express, RequestHandler } from 'express';
import { sessionOf } from '../auth/authenticate.js';
import type { UserAdminService } from './user-admin.service.js';

export function mountUserAdminRoutes(
  app: Express,
  deps: { admin: UserAdminService; session: RequestHandler },
): void {
  const { session } = deps;
  const adminOnly: RequestHandler = (_req, res, next) => {
    if (sessionOf(res).role !== 'admin') throw AppError.forbidden('admin role required');
    next();
  };

  app.get('/admin/users', session, adminOnly, async (req, res) => {
    res.json(await deps.admin.list(parseQuery(AdminUserQuery, req)));
  });

  app.put('/admin/users/:id/role', session, adminOnly, async (req, res) => {
    const { id } = parseParams(UserIdParams, req);
    const change = parseBody(SetUserRoleRequest, req);
    res.json(await deps.admin.setRole({ id: sessionOf(res).userId }, id, change, requestIdOf(req)));
  });
}

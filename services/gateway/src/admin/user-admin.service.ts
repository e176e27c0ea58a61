/**
 * Platform administration of accounts: finding them and granting or revoking roles (store staff of one
 * retailer, admin). A role change ends the account's sessions on every replica, so no token carries
 * the old role afterwards; the next sign-in carries the new one.
 */
import {
  IdCursor,
  type Page,
  pageFromRows,
  type SetUserRoleRequest,
  type User,
} from '@cartwatch/common-types';
import { withTransaction } from '@cartwatch/db';
import { AppError } from '@cartwatch/service-kit';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import * as repo from '../auth/auth.repository.js';
import { toUser } from '../auth/auth.service.js';
import type { SessionRevocations } from '../auth/session-revocations.js';
import type { DB } from '../db/schema.js';
import type { RetailerDirectory } from './retailer-directory.js';

export interface UserAdminDeps {
  db: Kysely<DB>;
  retailers: RetailerDirectory;
  revocations: Pick<SessionRevocations, 'end'>;
  logger: Logger;
}

export class UserAdminService {
  constructor(private readonly deps: UserAdminDeps) {}

  async list(query: {
    limit: number;
    cursor?: string | undefined;
    email?: string | undefined;
    role?: User['role'] | undefined;
    retailer?: string | undefined;
  }): Promise<Page<User>> {
    const after = query.cursor === undefined ? undefined : IdCursor.decode(query.cursor);
    const rows = await repo.listUsers(this.deps.db, {
      email: query.email,
      role: query.role,
      retailer: query.retailer,
      afterId: after?.id,
      limit: query.limit + 1,
    });
    return pageFromRows(rows, query.limit, toUser, (last) => IdCursor.encode({ id: last.id }));
  }

  async setRole(
    admin: { id: string },
    userId: string,
    change: SetUserRoleRequest,
    requestId?: string,
  ): Promise<User> {
    // An admin demoting themselves could leave the platform without one; another admin must do it.
    if (userId === admin.id) throw AppError.conflict('admins cannot change their own role');
    const retailer = change.role === 'staff' ? change.retailer : null;
    if (retailer !== null && !(await this.deps.retailers.exists(retailer, admin, requestId))) {
      throw AppError.validation([
        { path: 'retailer', message: `no retailer ${retailer}`, code: 'not_found' },
      ]);
    }
    const outcome = await withTransaction(this.deps.db, async (trx) => {
      const before = await repo.lockUser(trx, userId);
      if (!before) return undefined;
      if (before.role === change.role && before.retailer_slug === retailer)
        return { user: before, ended: [] };
      const user = await repo.updateUser(trx, userId, { role: change.role, retailer_slug: retailer });
      const ended = await repo.revokeUserSessions(trx, userId, 'role changed');
      return { user: user ?? before, ended, from: { role: before.role, retailer: before.retailer_slug } };
    });
    if (!outcome) throw AppError.notFound('user');
    await this.deps.revocations.end(outcome.ended);
    if (outcome.from) {
      this.deps.logger.info(
        { adminId: admin.id, userId, from: outcome.from, to: { role: change.role, retailer } },
        'role changed',
      );
    }
    return toUser(outcome.user);
  }
}

/** SQL of accounts, sessions (refresh-token families), refresh tokens and one-time codes. */
import type { Executor } from '@cartwatch/db';
import type { Insertable, Selectable, Transaction, Updateable } from 'kysely';
import type {
  AppUserTable,
  CodeChannel,
  CodePurpose,
  DB,
  OneTimeCodeTable,
  SessionTable,
} from '../db/schema.js';

export type UserRow = Selectable<AppUserTable>;
export type SessionRow = Selectable<SessionTable>;
export type CodeRow = Selectable<OneTimeCodeTable>;

export async function insertUser(
  db: Executor<DB>,
  user: Insertable<AppUserTable>,
): Promise<UserRow | undefined> {
  return db
    .insertInto('app_user')
    .values(user)
    .onConflict((oc) => oc.column('email').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function findUserById(db: Executor<DB>, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('app_user').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findUserByEmail(db: Executor<DB>, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('app_user').selectAll().where('email', '=', email).executeTakeFirst();
}

/** The account whose verified phone this is (a phone is stored only once an SMS code proved it). */
export function findUserByPhone(db: Executor<DB>, phone: string): Promise<UserRow | undefined> {
  return db.selectFrom('app_user').selectAll().where('phone', '=', phone).executeTakeFirst();
}

export function updateUser(
  db: Executor<DB>,
  id: string,
  changes: Updateable<AppUserTable>,
): Promise<UserRow | undefined> {
  return db
    .updateTable('app_user')
    .set({ ...changes, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** The account row, locked for an update in the same transaction. */
export function lockUser(trx: Transaction<DB>, id: string): Promise<UserRow | undefined> {
  return trx.selectFrom('app_user').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Accounts oldest first (ids are UUID v7, so by id), optionally filtered; keyset-paged after an id. */
export function listUsers(
  db: Executor<DB>,
  filter: {
    email?: string | undefined;
    role?: UserRow['role'] | undefined;
    retailer?: string | undefined;
    afterId?: string | undefined;
    limit: number;
  },
): Promise<UserRow[]> {
  let query = db.selectFrom('app_user').selectAll();
  if (filter.email !== undefined) query = query.where('email', '=', filter.email);
  if (filter.role !== undefined) query = query.where('role', '=', filter.role);
  if (filter.retailer !== undefined) query = query.where('retailer_slug', '=', filter.retailer);
  if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
  return query.orderBy('id').limit(filter.limit).execute();
}

export async function deleteUser(db: Executor<DB>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('app_user').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function insertSession(db: Executor<DB>, session: Insertable<SessionTable>): Promise<void> {
  await db.insertInto('session').values(session).execute();
}

export function findActiveSession(db: Executor<DB>, id: string): Promise<SessionRow | undefined> {
  return db
    .selectFrom('session')
    .selectAll()
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** When the session last proved the password or a fresh code, if it is live. */
export async function sessionReauthenticatedAt(db: Executor<DB>, id: string): Promise<Date | undefined> {
  const row = await db
    .selectFrom('session')
    .select('reauthenticated_at')
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row?.reauthenticated_at;
}

export async function markReauthenticated(db: Executor<DB>, id: string): Promise<void> {
  await db.updateTable('session').set({ reauthenticated_at: new Date() }).where('id', '=', id).execute();
}

/** The session a refresh token belongs to (no lock: for rate limiting before the rotation). */
export async function sessionIdOfRefreshToken(
  db: Executor<DB>,
  tokenHash: Buffer,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('refresh_token')
    .select('session_id')
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return row?.session_id;
}

/** Revokes a session; returns its id when it was live (so its access tokens can be refused everywhere). */
export async function revokeSession(db: Executor<DB>, id: string, reason: string): Promise<string[]> {
  const rows = await db
    .updateTable('session')
    .set({ revoked_at: new Date(), revoked_reason: reason })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

/**
 * A user's live sessions: not revoked and holding a refresh token that can still be used (an expired
 * family can never sign in again, so it is not listed). Most recently used first.
 */
export function listLiveSessions(db: Executor<DB>, userId: string): Promise<SessionRow[]> {
  const now = new Date();
  return db
    .selectFrom('session')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('refresh_token')
          .select('refresh_token.session_id')
          .whereRef('refresh_token.session_id', '=', 'session.id')
          .where('refresh_token.used_at', 'is', null)
          .where('refresh_token.expires_at', '>', now),
      ),
    )
    .orderBy('last_used_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Revokes one session of this user only; returns its id when it was the user's and live. */
export async function revokeUserSession(
  db: Executor<DB>,
  userId: string,
  sessionId: string,
  reason: string,
): Promise<string[]> {
  const rows = await db
    .updateTable('session')
    .set({ revoked_at: new Date(), revoked_reason: reason })
    .where('id', '=', sessionId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

/** Revokes every session of a user, except `keepSessionId` when given; returns the ids it revoked. */
export async function revokeUserSessions(
  db: Executor<DB>,
  userId: string,
  reason: string,
  keepSessionId?: string,
): Promise<string[]> {
  let query = db
    .updateTable('session')
    .set({ revoked_at: new Date(), revoked_reason: reason })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null);
  if (keepSessionId) query = query.where('id', '!=', keepSessionId);
  const rows = await query.returning('id').execute();
  return rows.map((row) => row.id);
}

export async function insertRefreshToken(
  db: Executor<DB>,
  token: { tokenHash: Buffer; sessionId: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('refresh_token')
    .values({ token_hash: token.tokenHash, session_id: token.sessionId, expires_at: token.expiresAt })
    .execute();
}

/** The token with its session, row-locked so two concurrent refreshes cannot both rotate it. */
export function lockRefreshToken(trx: Transaction<DB>, tokenHash: Buffer) {
  return trx
    .selectFrom('refresh_token')
    .innerJoin('session', 'session.id', 'refresh_token.session_id')
    .innerJoin('app_user', 'app_user.id', 'session.user_id')
    .select([
      'refresh_token.token_hash',
      'refresh_token.expires_at',
      'refresh_token.used_at',
      'session.id as session_id',
      'session.revoked_at',
      'app_user.id as user_id',
    ])
    .where('refresh_token.token_hash', '=', tokenHash)
    .forUpdate()
    .executeTakeFirst();
}

export async function markRefreshTokenUsed(db: Executor<DB>, tokenHash: Buffer): Promise<void> {
  await db
    .updateTable('refresh_token')
    .set({ used_at: new Date() })
    .where('token_hash', '=', tokenHash)
    .execute();
  await db
    .updateTable('session')
    .set({ last_used_at: new Date() })
    .where('id', '=', db.selectFrom('refresh_token').select('session_id').where('token_hash', '=', tokenHash))
    .execute();
}

export async function insertCode(
  db: Executor<DB>,
  code: {
    id: string;
    userId: string;
    purpose: CodePurpose;
    channel: CodeChannel;
    destination: string | null;
    codeHash: Buffer;
    expiresAt: Date;
  },
): Promise<void> {
  // A new code replaces any earlier unused code for the same purpose.
  await db
    .updateTable('one_time_code')
    .set({ consumed_at: new Date() })
    .where('user_id', '=', code.userId)
    .where('purpose', '=', code.purpose)
    .where('consumed_at', 'is', null)
    .execute();
  await db
    .insertInto('one_time_code')
    .values({
      id: code.id,
      user_id: code.userId,
      purpose: code.purpose,
      channel: code.channel,
      destination: code.destination,
      code_hash: code.codeHash,
      expires_at: code.expiresAt,
    })
    .execute();
}

/** The newest live code of a user for a purpose (optionally one code by id), row-locked. */
export function lockLiveCode(
  trx: Transaction<DB>,
  filter: { userId?: string; codeId?: string; purpose: CodePurpose; channel?: CodeChannel },
): Promise<CodeRow | undefined> {
  let query = trx
    .selectFrom('one_time_code')
    .selectAll()
    .where('purpose', '=', filter.purpose)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', new Date());
  if (filter.userId) query = query.where('user_id', '=', filter.userId);
  if (filter.codeId) query = query.where('id', '=', filter.codeId);
  if (filter.channel) query = query.where('channel', '=', filter.channel);
  return query.orderBy('created_at', 'desc').limit(1).forUpdate().executeTakeFirst();
}

export async function recordWrongCode(db: Executor<DB>, id: string, burn: boolean): Promise<void> {
  await db
    .updateTable('one_time_code')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), ...(burn && { consumed_at: new Date() }) }))
    .where('id', '=', id)
    .execute();
}

export async function consumeCode(db: Executor<DB>, id: string): Promise<void> {
  await db.updateTable('one_time_code').set({ consumed_at: new Date() }).where('id', '=', id).execute();
}

/**
 * Signing in and out: registration, login (with the account's second factor), passwordless code login,
 * refresh-token rotation with replay detection, logout, password reset. Account changes (profile,
 * phone, e-mail, password, deletion) live in account.service.ts. Transactions live here; SQL lives in
 * the repository. Every ended session is announced to all gateway replicas after its commit.
 */
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { ActiveSession, AuthSession, TokenPair, User } from '@cartwatch/common-types';
import { newId, withTransaction } from '@cartwatch/db';
import { AppError } from '@cartwatch/service-kit';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { CodeChannel, DB } from '../db/schema.js';
import type { AccountLockout } from '../rate-limit/limiters.js';
import type { AccessTokens } from '../tokens/access-token.js';
import { type AdminOutcome, ensureAdminAccount } from './admin-account.js';
import * as repo from './auth.repository.js';
import type { OneTimeCodes } from './one-time-codes.js';
import type { PasswordHasher } from './password.js';
import { coarseNetwork, deviceLabel } from './session-devices.js';
import type { SessionRevocations } from './session-revocations.js';

export interface AuthServiceDeps {
  db: Kysely<DB>;
  logger: Logger;
  hasher: PasswordHasher;
  tokens: AccessTokens;
  /** Ended sessions' access tokens are refused on every replica (called after each commit). */
  revocations: Pick<SessionRevocations, 'end'>;
  codes: OneTimeCodes;
  lockout: AccountLockout;
  refreshTtlSeconds: number;
}

export interface ClientInfo {
  ip: string | undefined;
  userAgent: string | undefined;
}

export type LoginResult =
  | { kind: 'session'; session: AuthSession }
  | { kind: 'second-factor'; challengeId: string; channel: CodeChannel };

const INVALID_CREDENTIALS = 'invalid email or password';
const INVALID_CODE = 'invalid or expired code';

export function toUser(row: repo.UserRow): User {
  return {
    id: row.id,
    email: row.email,
    emailVerified: row.email_verified_at !== null,
    displayName: row.display_name,
    phone: row.phone,
    role: row.role,
    retailer: row.retailer_slug,
    secondFactor: row.second_factor,
    createdAt: row.created_at.toISOString(),
  };
}

export function hashRefreshToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export function deriveCodeSecret(serviceKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', serviceKey, 'cartwatch-gateway', 'one-time-codes', 32));
}

/** The channel the account's second factor is proven with (SMS only to a verified phone). */
export function secondFactorChannel(user: repo.UserRow): CodeChannel | undefined {
  if (user.second_factor === null) return undefined;
  return user.second_factor === 'sms' && user.phone ? 'sms' : 'email';
}

export function addressOf(user: repo.UserRow, channel: CodeChannel): string {
  return channel === 'sms' && user.phone ? user.phone : user.email;
}

export class AuthService {
  /** Work done after the answer went out (see `later`); tests wait for it with `idle()`. */
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly deps: AuthServiceDeps) {}

  /**
   * Runs `task` after the current request was answered, so the answer cannot depend on what the task
   * finds (whether an account exists): same status, body and timing either way.
   */
  private later(what: string, task: () => Promise<void>): void {
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(task)
      .catch((error: unknown) => this.deps.logger.error({ err: error }, `${what} failed`))
      .finally(() => this.background.delete(run));
    this.background.add(run);
  }

  /** Resolves when every task started with `later` has finished. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.all(this.background);
  }

  private async issueTokens(
    db: Kysely<DB> | Parameters<typeof repo.insertRefreshToken>[0],
    user: repo.UserRow,
    sessionId: string,
  ): Promise<TokenPair> {
    const refreshToken = randomBytes(32).toString('base64url');
    const refreshExpiresAt = new Date(Date.now() + this.deps.refreshTtlSeconds * 1000);
    await repo.insertRefreshToken(db, {
      tokenHash: hashRefreshToken(refreshToken),
      sessionId,
      expiresAt: refreshExpiresAt,
    });
    const accessToken = await this.deps.tokens.sign({
      userId: user.id,
      role: user.role,
      retailer: user.retailer_slug,
      sessionId,
    });
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: this.deps.tokens.ttlSeconds,
      refreshToken,
      refreshExpiresAt: refreshExpiresAt.toISOString(),
    };
  }

  private async startSession(user: repo.UserRow, client: ClientInfo): Promise<AuthSession> {
    const sessionId = newId();
    const tokens = await withTransaction(this.deps.db, async (trx) => {
      await repo.insertSession(trx, {
        id: sessionId,
        user_id: user.id,
        ip: client.ip ?? null,
        user_agent: client.userAgent?.slice(0, 512) ?? null,
        revoked_at: null,
        revoked_reason: null,
      });
      return this.issueTokens(trx, user, sessionId);
    });
    return { user: toUser(user), tokens };
  }

  /** A session, or the second-factor challenge the account asks for first. */
  private async finishSignIn(user: repo.UserRow, client: ClientInfo, provenWith?: CodeChannel) {
    const channel = secondFactorChannel(user);
    if (channel !== undefined && channel !== provenWith) {
      const challengeId = await this.deps.codes.send(
        user,
        'second-factor',
        channel,
        addressOf(user, channel),
      );
      return { kind: 'second-factor' as const, challengeId, channel };
    }
    return { kind: 'session' as const, session: await this.startSession(user, client) };
  }

  async register(
    input: { email: string; password: string; displayName: string },
    client: ClientInfo,
  ): Promise<AuthSession> {
    const hash = await this.deps.hasher.hash(input.password);
    const user = await repo.insertUser(this.deps.db, {
      id: newId(),
      email: input.email,
      display_name: input.displayName,
      password_hash: hash,
      role: 'user',
      retailer_slug: null,
      email_verified_at: null,
      phone: null,
      second_factor: null,
    });
    if (!user) throw AppError.conflict('an account with this e-mail exists');
    await this.deps.codes.send(user, 'verify-email', 'email', user.email);
    return this.startSession(user, client);
  }

  async resendVerification(userId: string): Promise<void> {
    const user = await this.requireUserRow(userId);
    if (user.email_verified_at) throw AppError.conflict('e-mail already verified');
    await this.deps.codes.send(user, 'verify-email', 'email', user.email);
  }

  async verifyEmail(userId: string, code: string): Promise<User> {
    const ok = await this.deps.codes.check({ userId, purpose: 'verify-email' }, code);
    if (!ok) throw AppError.unprocessable(INVALID_CODE);
    const user = await repo.updateUser(this.deps.db, userId, { email_verified_at: new Date() });
    if (!user) throw AppError.notFound('user');
    return toUser(user);
  }

  async login(input: { email: string; password: string }, client: ClientInfo): Promise<LoginResult> {
    // The lockout is checked before any hashing, so a locked account costs no CPU.
    await this.deps.lockout.assertNotLocked(input.email, client.ip);
    const user = await repo.findUserByEmail(this.deps.db, input.email);
    const valid = user
      ? await this.deps.hasher.verify(user.password_hash, input.password)
      : await this.deps.hasher.verifyAgainstDummy(input.password);
    if (!user || !valid) {
      await this.deps.lockout.recordFailure(input.email, client.ip);
      throw AppError.unauthenticated(INVALID_CREDENTIALS);
    }
    await this.deps.lockout.recordSuccess(input.email, client.ip);
    let current = user;
    if (this.deps.hasher.needsRehash(user.password_hash)) {
      const upgraded = await repo.updateUser(this.deps.db, user.id, {
        password_hash: await this.deps.hasher.hash(input.password),
      });
      if (upgraded) current = upgraded;
    }
    return this.finishSignIn(current, client);
  }

  /** The session a refresh token belongs to, if any (the route limits refreshes per session). */
  sessionOfRefreshToken(refreshToken: string): Promise<string | undefined> {
    return repo.sessionIdOfRefreshToken(this.deps.db, hashRefreshToken(refreshToken));
  }

  /** Rotates a refresh token; a token that was already used revokes its whole family. */
  async refresh(refreshToken: string): Promise<AuthSession> {
    const tokenHash = hashRefreshToken(refreshToken);
    const outcome = await withTransaction(this.deps.db, async (trx) => {
      const row = await repo.lockRefreshToken(trx, tokenHash);
      if (!row || row.revoked_at) return { ok: false as const };
      if (row.used_at) {
        const ended = await repo.revokeSession(trx, row.session_id, 'refresh token replayed');
        return { ok: false as const, replayed: row.session_id, ended };
      }
      if (row.expires_at <= new Date()) return { ok: false as const };
      await repo.markRefreshTokenUsed(trx, tokenHash);
      const user = await repo.findUserById(trx, row.user_id);
      if (!user) return { ok: false as const };
      return {
        ok: true as const,
        session: { user: toUser(user), tokens: await this.issueTokens(trx, user, row.session_id) },
      };
    });
    if (!outcome.ok) {
      if (outcome.replayed) {
        this.deps.logger.warn({ sessionId: outcome.replayed }, 'refresh token replayed; family revoked');
        await this.deps.revocations.end(outcome.ended);
      }
      throw AppError.unauthenticated('invalid refresh token');
    }
    return outcome.session;
  }

  async logout(sessionId: string): Promise<void> {
    await this.deps.revocations.end(await repo.revokeSession(this.deps.db, sessionId, 'logout'));
  }

  async logoutByRefreshToken(refreshToken: string): Promise<void> {
    const ended = await withTransaction(this.deps.db, async (trx) => {
      const row = await repo.lockRefreshToken(trx, hashRefreshToken(refreshToken));
      return row ? repo.revokeSession(trx, row.session_id, 'logout') : [];
    });
    await this.deps.revocations.end(ended);
  }

  async logoutAll(userId: string): Promise<void> {
    await this.deps.revocations.end(await repo.revokeUserSessions(this.deps.db, userId, 'logout-all'));
  }

  /** The user's signed-in devices, the caller's own session first and marked `current`. */
  async listSessions(userId: string, currentSessionId: string): Promise<ActiveSession[]> {
    const rows = await repo.listLiveSessions(this.deps.db, userId);
    const sessions = rows.map((row) => ({
      id: row.id,
      createdAt: row.created_at.toISOString(),
      lastUsedAt: row.last_used_at.toISOString(),
      device: deviceLabel(row.user_agent),
      userAgent: row.user_agent,
      ipNetwork: coarseNetwork(row.ip),
      current: row.id === currentSessionId,
    }));
    return [...sessions.filter((s) => s.current), ...sessions.filter((s) => !s.current)];
  }

  /**
   * Signs one of the user's sessions out: its refresh tokens die with it and its access tokens are
   * refused on every replica, as with logout. Another user's session, or one already ended, is not found.
   */
  async revokeSession(userId: string, sessionId: string): Promise<void> {
    const ended = await repo.revokeUserSession(this.deps.db, userId, sessionId, 'revoked by owner');
    if (ended.length === 0) throw AppError.notFound('session');
    await this.deps.revocations.end(ended);
  }

  async isSessionActive(sessionId: string): Promise<boolean> {
    return (await repo.findActiveSession(this.deps.db, sessionId)) !== undefined;
  }

  private async requireUserRow(userId: string): Promise<repo.UserRow> {
    const user = await repo.findUserById(this.deps.db, userId);
    if (!user) throw AppError.unauthenticated();
    return user;
  }

  /** Always accepted at once; a code goes out afterwards only when the account exists. */
  startPasswordReset(email: string): void {
    this.later('password reset start', async () => {
      const user = await repo.findUserByEmail(this.deps.db, email);
      if (user) await this.deps.codes.send(user, 'password-reset', 'email', user.email);
    });
  }

  async completePasswordReset(
    input: { email: string; code: string; newPassword: string },
    client: ClientInfo,
  ): Promise<void> {
    const account = `reset:${input.email}`;
    await this.deps.lockout.assertNotLocked(account, client.ip);
    const user = await repo.findUserByEmail(this.deps.db, input.email);
    const proven =
      user && (await this.deps.codes.check({ userId: user.id, purpose: 'password-reset' }, input.code));
    if (!user || !proven) {
      await this.deps.lockout.recordFailure(account, client.ip);
      throw AppError.unprocessable(INVALID_CODE);
    }
    const hash = await this.deps.hasher.hash(input.newPassword);
    const ended = await withTransaction(this.deps.db, async (trx) => {
      await repo.updateUser(trx, user.id, {
        password_hash: hash,
        // Receiving the code proves the mailbox.
        email_verified_at: user.email_verified_at ?? new Date(),
      });
      return repo.revokeUserSessions(trx, user.id, 'password reset');
    });
    await this.deps.revocations.end(ended);
    await this.deps.lockout.recordSuccess(account, client.ip);
  }

  private findByDestination(channel: CodeChannel, destination: string) {
    return channel === 'email'
      ? repo.findUserByEmail(this.deps.db, destination)
      : repo.findUserByPhone(this.deps.db, destination);
  }

  /** Passwordless login, step 1: always accepted at once; a code goes out only when the account exists. */
  startOtpLogin(channel: CodeChannel, destination: string): void {
    this.later('code login start', async () => {
      const user = await this.findByDestination(channel, destination);
      if (user) await this.deps.codes.send(user, 'login', channel, destination);
    });
  }

  /**
   * Passwordless login (step 2), or the second step of a login (`challengeId`). A code login proves one
   * channel: when the account's second factor is another one, it answers that factor's challenge
   * instead of a session.
   */
  async verifyOtp(
    input:
      | { channel: CodeChannel; destination: string; code: string }
      | { challengeId: string; code: string },
    client: ClientInfo,
  ): Promise<LoginResult> {
    const account = 'challengeId' in input ? `challenge:${input.challengeId}` : `otp:${input.destination}`;
    await this.deps.lockout.assertNotLocked(account, client.ip);
    let proven: { userId: string } | undefined;
    if ('challengeId' in input) {
      proven = await this.deps.codes.check(
        { codeId: input.challengeId, purpose: 'second-factor' },
        input.code,
      );
    } else {
      const user = await this.findByDestination(input.channel, input.destination);
      proven =
        user &&
        (await this.deps.codes.check(
          { userId: user.id, purpose: 'login', channel: input.channel },
          input.code,
        ));
    }
    if (!proven) {
      await this.deps.lockout.recordFailure(account, client.ip);
      throw AppError.unauthenticated(INVALID_CODE);
    }
    await this.deps.lockout.recordSuccess(account, client.ip);
    let user = await this.requireUserRow(proven.userId);
    if ('challengeId' in input) return { kind: 'session', session: await this.startSession(user, client) };
    if (input.channel === 'email' && !user.email_verified_at) {
      user = (await repo.updateUser(this.deps.db, user.id, { email_verified_at: new Date() })) ?? user;
    }
    return this.finishSignIn(user, client, input.channel);
  }

  /** The start-up admin (ADMIN_EMAIL / ADMIN_PASSWORD): created when missing, never promoting an account. */
  ensureAdmin(email: string, password: string): Promise<AdminOutcome> {
    return ensureAdminAccount(this.deps.db, this.deps.hasher, { email, password, promoteExisting: false });
  }
}

/**
 * Account rules: registration, login (with optional second factor), refresh-token rotation with replay
 * detection, logout, password change and reset, one-time codes, account deletion. Transactions and the
 * `user.deleted.v1` outbox write live here; SQL lives in the repository.
 */
import { createHash, createHmac, hkdfSync, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { type AuthSession, eventCatalog, type TokenPair, type User } from '@cartwatch/common-types';
import { newId, withTransaction } from '@cartwatch/db';
import { publish } from '@cartwatch/events';
import { AppError } from '@cartwatch/service-kit';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { CodeChannel, CodePurpose, DB } from '../db/schema.js';
import type { Notifier } from '../notify/notifier.js';
import type { AccountLockout } from '../rate-limit/limiters.js';
import type { AccessTokens } from '../tokens/access-token.js';
import { type AdminOutcome, ensureAdminAccount } from './admin-account.js';
import * as repo from './auth.repository.js';
import type { PasswordHasher } from './password.js';
import type { SessionRevocations } from './session-revocations.js';

export interface AuthServiceDeps {
  db: Kysely<DB>;
  logger: Logger;
  hasher: PasswordHasher;
  tokens: AccessTokens;
  /** Ended sessions' access tokens are refused on every replica (called after each commit). */
  revocations: Pick<SessionRevocations, 'end'>;
  notifier: Notifier;
  lockout: AccountLockout;
  /** Secret the one-time codes are HMAC-ed with (6 digits alone would fall to an offline search). */
  codeSecret: Buffer;
  refreshTtlSeconds: number;
  codeTtlSeconds: number;
  codeMaxAttempts: number;
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

export class AuthService {
  constructor(private readonly deps: AuthServiceDeps) {}

  private hashCode(codeId: string, code: string): Buffer {
    return createHmac('sha256', this.deps.codeSecret).update(`${codeId}:${code}`).digest();
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

  /** Creates a code, stores its HMAC and sends it without making the caller wait for delivery. */
  private async sendCode(user: repo.UserRow, purpose: CodePurpose, channel: CodeChannel): Promise<string> {
    const id = newId();
    const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
    await repo.insertCode(this.deps.db, {
      id,
      userId: user.id,
      purpose,
      channel,
      codeHash: this.hashCode(id, code),
      expiresAt: new Date(Date.now() + this.deps.codeTtlSeconds * 1000),
    });
    const minutes = Math.round(this.deps.codeTtlSeconds / 60);
    const text = `Your CartWatch code is ${code}. It expires in ${minutes} minutes. If you did not ask for it, ignore this message.`;
    const delivery =
      channel === 'sms' && user.phone
        ? this.deps.notifier.sendSms({ to: user.phone, text })
        : this.deps.notifier.sendEmail({ to: user.email, subject: `CartWatch code: ${purpose}`, text });
    delivery.catch((error: unknown) =>
      this.deps.logger.error({ err: error, purpose, channel }, 'code delivery failed'),
    );
    return id;
  }

  /**
   * Checks a code against the newest live one; a wrong guess counts an attempt and the code is burnt
   * after `codeMaxAttempts`. Returns the user id on success (the code is consumed).
   */
  private async checkCode(
    filter: { userId?: string; codeId?: string; purpose: CodePurpose; channel?: CodeChannel },
    code: string,
  ): Promise<string | undefined> {
    return withTransaction(this.deps.db, async (trx) => {
      const row = await repo.lockLiveCode(trx, filter);
      if (!row) return undefined;
      if (!timingSafeEqual(row.code_hash, this.hashCode(row.id, code))) {
        await repo.recordWrongCode(trx, row.id, row.attempts + 1 >= this.deps.codeMaxAttempts);
        return undefined;
      }
      await repo.consumeCode(trx, row.id);
      return row.user_id;
    });
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
      email_verified_at: null,
      phone: null,
      second_factor: null,
    });
    if (!user) throw AppError.conflict('an account with this e-mail exists');
    await this.sendCode(user, 'verify-email', 'email');
    return this.startSession(user, client);
  }

  async resendVerification(userId: string): Promise<void> {
    const user = await this.requireUserRow(userId);
    if (user.email_verified_at) throw AppError.conflict('e-mail already verified');
    await this.sendCode(user, 'verify-email', 'email');
  }

  async verifyEmail(userId: string, code: string): Promise<User> {
    const ok = await this.checkCode({ userId, purpose: 'verify-email' }, code);
    if (!ok) throw AppError.unprocessable(INVALID_CODE);
    const user = await repo.updateUser(this.deps.db, userId, { email_verified_at: new Date() });
    if (!user) throw AppError.notFound('user');
    return toUser(user);
  }

  async login(input: { email: string; password: string }, client: ClientInfo): Promise<LoginResult> {
    // The lockout is checked before any hashing, so a locked account costs no CPU.
    await this.deps.lockout.assertNotLocked(input.email);
    const user = await repo.findUserByEmail(this.deps.db, input.email);
    const valid = user
      ? await this.deps.hasher.verify(user.password_hash, input.password)
      : await this.deps.hasher.verifyAgainstDummy(input.password);
    if (!user || !valid) {
      await this.deps.lockout.recordFailure(input.email);
      throw AppError.unauthenticated(INVALID_CREDENTIALS);
    }
    await this.deps.lockout.recordSuccess(input.email);
    let current = user;
    if (this.deps.hasher.needsRehash(user.password_hash)) {
      const upgraded = await repo.updateUser(this.deps.db, user.id, {
        password_hash: await this.deps.hasher.hash(input.password),
      });
      if (upgraded) current = upgraded;
    }
    if (current.second_factor) {
      const channel = current.second_factor === 'sms' && current.phone ? 'sms' : 'email';
      const challengeId = await this.sendCode(current, 'second-factor', channel);
      return { kind: 'second-factor', challengeId, channel };
    }
    return { kind: 'session', session: await this.startSession(current, client) };
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

  async isSessionActive(sessionId: string): Promise<boolean> {
    return (await repo.findActiveSession(this.deps.db, sessionId)) !== undefined;
  }

  private async requireUserRow(userId: string): Promise<repo.UserRow> {
    const user = await repo.findUserById(this.deps.db, userId);
    if (!user) throw AppError.unauthenticated();
    return user;
  }

  async profile(userId: string): Promise<User> {
    return toUser(await this.requireUserRow(userId));
  }

  async updateProfile(
    userId: string,
    changes: {
      displayName?: string | undefined;
      phone?: string | null | undefined;
      secondFactor?: 'email' | 'sms' | null | undefined;
    },
  ): Promise<User> {
    const current = await this.requireUserRow(userId);
    const phone = changes.phone === undefined ? current.phone : changes.phone;
    const secondFactor = changes.secondFactor === undefined ? current.second_factor : changes.secondFactor;
    if (secondFactor === 'sms' && !phone)
      throw AppError.unprocessable('a phone number is needed for SMS codes');
    const user = await repo.updateUser(this.deps.db, userId, {
      ...(changes.displayName !== undefined && { display_name: changes.displayName }),
      phone,
      second_factor: secondFactor,
    });
    if (!user) throw AppError.unauthenticated();
    return toUser(user);
  }

  /** Changes the password and ends every other session. */
  async changePassword(
    userId: string,
    sessionId: string,
    input: { currentPassword: string; newPassword: string },
  ) {
    await this.deps.lockout.assertNotLocked(`user:${userId}`);
    const user = await this.requireUserRow(userId);
    if (!(await this.deps.hasher.verify(user.password_hash, input.currentPassword))) {
      await this.deps.lockout.recordFailure(`user:${userId}`);
      throw AppError.unprocessable('current password is wrong');
    }
    const hash = await this.deps.hasher.hash(input.newPassword);
    const ended = await withTransaction(this.deps.db, async (trx) => {
      await repo.updateUser(trx, userId, { password_hash: hash });
      return repo.revokeUserSessions(trx, userId, 'password changed', sessionId);
    });
    await this.deps.revocations.end(ended);
  }

  /** Always accepted, so the answer does not reveal whether the account exists. */
  async startPasswordReset(email: string): Promise<void> {
    const user = await repo.findUserByEmail(this.deps.db, email);
    if (user) await this.sendCode(user, 'password-reset', 'email');
  }

  async completePasswordReset(input: { email: string; code: string; newPassword: string }): Promise<void> {
    const account = `reset:${input.email}`;
    await this.deps.lockout.assertNotLocked(account);
    const user = await repo.findUserByEmail(this.deps.db, input.email);
    const userId = user && (await this.checkCode({ userId: user.id, purpose: 'password-reset' }, input.code));
    if (!user || !userId) {
      await this.deps.lockout.recordFailure(account);
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
    await this.deps.lockout.recordSuccess(account);
  }

  /** Passwordless login, step 1: always accepted; a code goes out only when the account exists. */
  async startOtpLogin(channel: CodeChannel, destination: string): Promise<void> {
    const user =
      channel === 'email'
        ? await repo.findUserByEmail(this.deps.db, destination)
        : await repo.findUserByPhone(this.deps.db, destination);
    if (user) await this.sendCode(user, 'login', channel);
  }

  async verifyOtp(
    input:
      | { channel: CodeChannel; destination: string; code: string }
      | { challengeId: string; code: string },
    client: ClientInfo,
  ): Promise<AuthSession> {
    const account = 'challengeId' in input ? `challenge:${input.challengeId}` : `otp:${input.destination}`;
    await this.deps.lockout.assertNotLocked(account);
    let userId: string | undefined;
    if ('challengeId' in input) {
      userId = await this.checkCode({ codeId: input.challengeId, purpose: 'second-factor' }, input.code);
    } else {
      const user =
        input.channel === 'email'
          ? await repo.findUserByEmail(this.deps.db, input.destination)
          : await repo.findUserByPhone(this.deps.db, input.destination);
      userId =
        user &&
        (await this.checkCode({ userId: user.id, purpose: 'login', channel: input.channel }, input.code));
    }
    if (!userId) {
      await this.deps.lockout.recordFailure(account);
      throw AppError.unauthenticated(INVALID_CODE);
    }
    await this.deps.lockout.recordSuccess(account);
    let user = await this.requireUserRow(userId);
    if (!('challengeId' in input) && input.channel === 'email' && !user.email_verified_at) {
      user = (await repo.updateUser(this.deps.db, user.id, { email_verified_at: new Date() })) ?? user;
    }
    return this.startSession(user, client);
  }

  /** Deletes the account and announces it (every service purges that user's data). */
  async deleteAccount(userId: string, password: string): Promise<void> {
    const user = await this.requireUserRow(userId);
    if (!(await this.deps.hasher.verify(user.password_hash, password))) {
      await this.deps.lockout.recordFailure(`user:${userId}`);
      throw AppError.unprocessable('password is wrong');
    }
    const ended = await withTransaction(this.deps.db, async (trx) => {
      const sessionIds = await repo.revokeUserSessions(trx, userId, 'account deleted');
      await repo.deleteUser(trx, userId);
      await publish(trx, eventCatalog.userDeleted, {
        source: 'gateway',
        data: { userId },
        userId,
        subjectId: userId,
      });
      return sessionIds;
    });
    await this.deps.revocations.end(ended);
  }

  /** The start-up admin (ADMIN_EMAIL / ADMIN_PASSWORD): created when missing, never promoting an account. */
  ensureAdmin(email: string, password: string): Promise<AdminOutcome> {
    return ensureAdminAccount(this.deps.db, this.deps.hasher, { email, password, promoteExisting: false });
  }
}

/**
 * Changes to an account: profile, second factor, phone, e-mail, password, deletion. Changing what
 * protects the account (e-mail, phone, password, second factor) needs a recent re-authentication of the
 * session - the password or a fresh code within `reauthMaxAgeSeconds` (signing in counts) - so a stolen
 * access token alone cannot take the account over. A phone counts for nothing (SMS sign-in, SMS second
 * factor) until an SMS code proved it, and belongs to one account at most.
 */
import { eventCatalog, type User } from '@cartwatch/common-types';
import { isUniqueViolation, newId, withTransaction } from '@cartwatch/db';
import { publish, recordDeletedUser } from '@cartwatch/events';
import { AppError } from '@cartwatch/service-kit';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { CodeChannel, DB } from '../db/schema.js';
import { type DeliveryPolicy, queueAccountMessage } from '../notifications/delivery-queue.js';
import type { AccountLockout } from '../rate-limit/limiters.js';
import * as repo from './auth.repository.js';
import { addressOf, toUser } from './auth.service.js';
import type { OneTimeCodes } from './one-time-codes.js';
import type { PasswordHasher } from './password.js';
import type { SessionRevocations } from './session-revocations.js';

export interface AccountServiceDeps {
  db: Kysely<DB>;
  logger: Logger;
  hasher: PasswordHasher;
  codes: OneTimeCodes;
  delivery: DeliveryPolicy;
  lockout: AccountLockout;
  revocations: Pick<SessionRevocations, 'end'>;
  reauthMaxAgeSeconds: number;
}

/** Who is asking: the signed-in user and the session they act in. */
export interface Actor {
  userId: string;
  sessionId: string;
}

const INVALID_CODE = 'invalid or expired code';

export class AccountService {
  constructor(private readonly deps: AccountServiceDeps) {}

  private async requireUserRow(userId: string): Promise<repo.UserRow> {
    const user = await repo.findUserById(this.deps.db, userId);
    if (!user) throw AppError.unauthenticated();
    return user;
  }

  /** 403 with `details.reauthenticate` unless the session proved the password or a code recently. */
  private async requireRecentAuthentication(actor: Actor): Promise<void> {
    const at = await repo.sessionReauthenticatedAt(this.deps.db, actor.sessionId);
    if (!at) throw AppError.unauthenticated();
    if (Date.now() - at.getTime() > this.deps.reauthMaxAgeSeconds * 1000) {
      throw new AppError(
        'FORBIDDEN',
        'confirm it is you first: POST /auth/reauthenticate with your password or a code',
        { reauthenticate: true, maxAgeSeconds: this.deps.reauthMaxAgeSeconds },
      );
    }
  }

  async profile(userId: string): Promise<User> {
    return toUser(await this.requireUserRow(userId));
  }

  async updateProfile(
    actor: Actor,
    changes: { displayName?: string | undefined; secondFactor?: 'email' | 'sms' | null | undefined },
  ): Promise<User> {
    const current = await this.requireUserRow(actor.userId);
    if (changes.secondFactor !== undefined && changes.secondFactor !== current.second_factor) {
      await this.requireRecentAuthentication(actor);
      if (changes.secondFactor === 'sms' && !current.phone)
        throw AppError.unprocessable('verify a phone number before choosing SMS codes');
    }
    const user = await repo.updateUser(this.deps.db, actor.userId, {
      ...(changes.displayName !== undefined && { display_name: changes.displayName }),
      ...(changes.secondFactor !== undefined && { second_factor: changes.secondFactor }),
    });
    if (!user) throw AppError.unauthenticated();
    return toUser(user);
  }

  /** Sends a code that re-authenticates the session (for accounts signing in without a password). */
  async sendReauthenticationCode(actor: Actor, channel: CodeChannel): Promise<void> {
    const user = await this.requireUserRow(actor.userId);
    if (channel === 'sms' && !user.phone) throw AppError.unprocessable('the account has no verified phone');
    await this.deps.codes.send(user, 'reauthenticate', channel, addressOf(user, channel));
  }

  /** Proves the session again with the password or a fresh code; locked out like a login. */
  async reauthenticate(
    actor: Actor,
    proof: { password: string } | { code: string },
    clientIp: string | undefined,
  ): Promise<void> {
    const account = `reauth:${actor.userId}`;
    await this.deps.lockout.assertNotLocked(account, clientIp);
    const user = await this.requireUserRow(actor.userId);
    const ok =
      'password' in proof
        ? await this.deps.hasher.verify(user.password_hash, proof.password)
        : (await this.deps.codes.check({ userId: user.id, purpose: 'reauthenticate' }, proof.code)) !==
          undefined;
    if (!ok) {
      await this.deps.lockout.recordFailure(account, clientIp);
      throw AppError.unprocessable('password or code is wrong');
    }
    await this.deps.lockout.recordSuccess(account, clientIp);
    await repo.markReauthenticated(this.deps.db, actor.sessionId);
  }

  /** Sends an SMS code to a new phone; it becomes the account's only when the code comes back. */
  async startPhoneVerification(actor: Actor, phone: string): Promise<void> {
    await this.requireRecentAuthentication(actor);
    const user = await this.requireUserRow(actor.userId);
    if (!user.email_verified_at) throw AppError.unprocessable('verify your e-mail address first');
    if (user.phone === phone) throw AppError.conflict('this is already your phone number');
    await this.deps.codes.send(user, 'verify-phone', 'sms', phone, { bindDestination: true });
  }

  async verifyPhone(actor: Actor, code: string): Promise<User> {
    const proven = await this.deps.codes.check({ userId: actor.userId, purpose: 'verify-phone' }, code);
    if (!proven?.destination) throw AppError.unprocessable(INVALID_CODE);
    try {
      const user = await repo.updateUser(this.deps.db, actor.userId, { phone: proven.destination });
      if (!user) throw AppError.unauthenticated();
      return toUser(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw AppError.conflict('this number belongs to another account');
      throw error;
    }
  }

  async removePhone(actor: Actor): Promise<User> {
    await this.requireRecentAuthentication(actor);
    const user = await this.requireUserRow(actor.userId);
    if (user.second_factor === 'sms')
      throw AppError.conflict('SMS codes are the second factor: choose another one first');
    const updated = await repo.updateUser(this.deps.db, actor.userId, { phone: null });
    if (!updated) throw AppError.unauthenticated();
    return toUser(updated);
  }

  /** Sends a code to the new address; the e-mail changes when it comes back. */
  async startEmailChange(actor: Actor, email: string): Promise<void> {
    await this.requireRecentAuthentication(actor);
    const user = await this.requireUserRow(actor.userId);
    if (user.email === email) throw AppError.conflict('this is already your e-mail address');
    // Registration says whether an address is taken, so saying it here reveals nothing more.
    if (await repo.findUserByEmail(this.deps.db, email))
      throw AppError.conflict('an account with this e-mail exists');
    await this.deps.codes.send(user, 'change-email', 'email', email, { bindDestination: true });
  }

  /** Switches to the proven address, tells the old one, and ends the account's other sessions. */
  async verifyEmailChange(actor: Actor, code: string): Promise<User> {
    const proven = await this.deps.codes.check({ userId: actor.userId, purpose: 'change-email' }, code);
    if (!proven?.destination) throw AppError.unprocessable(INVALID_CODE);
    const before = await this.requireUserRow(actor.userId);
    const newEmail = proven.destination;
    let outcome: { user: repo.UserRow; ended: string[] };
    try {
      outcome = await withTransaction(this.deps.db, async (trx) => {
        const user = await repo.updateUser(trx, actor.userId, {
          email: newEmail,
          email_verified_at: new Date(),
        });
        if (!user) throw AppError.unauthenticated();
        const ended = await repo.revokeUserSessions(trx, actor.userId, 'e-mail changed', actor.sessionId);
        // The old address is told, by the delivery worker after the commit.
        await queueAccountMessage(
          trx,
          {
            sourceId: newId(),
            userId: actor.userId,
            kind: 'notice',
            channel: 'email',
            to: before.email,
            title: 'Your e-mail address was changed',
            subject: 'Your CartWatch e-mail address was changed',
            text: `The e-mail address of your CartWatch account was changed to ${newEmail}. If this was not you, reset your password at once and contact the platform's operators.`,
            expiresAt: new Date(Date.now() + 24 * 3600_000),
          },
          this.deps.delivery,
        );
        return { user, ended };
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw AppError.conflict('an account with this e-mail exists');
      throw error;
    }
    await this.deps.revocations.end(outcome.ended);
    return toUser(outcome.user);
  }

  /** Changes the password (the current one is the re-authentication) and ends every other session. */
  async changePassword(
    actor: Actor,
    input: { currentPassword: string; newPassword: string },
    clientIp?: string,
  ) {
    const account = `user:${actor.userId}`;
    await this.deps.lockout.assertNotLocked(account, clientIp);
    const user = await this.requireUserRow(actor.userId);
    if (!(await this.deps.hasher.verify(user.password_hash, input.currentPassword))) {
      await this.deps.lockout.recordFailure(account, clientIp);
      throw AppError.unprocessable('current password is wrong');
    }
    const hash = await this.deps.hasher.hash(input.newPassword);
    const ended = await withTransaction(this.deps.db, async (trx) => {
      await repo.updateUser(trx, actor.userId, { password_hash: hash });
      return repo.revokeUserSessions(trx, actor.userId, 'password changed', actor.sessionId);
    });
    await this.deps.revocations.end(ended);
  }

  /** Deletes the account and announces it (every service purges that user's data). */
  async deleteAccount(actor: Actor, password: string, clientIp?: string): Promise<void> {
    const account = `user:${actor.userId}`;
    await this.deps.lockout.assertNotLocked(account, clientIp);
    const user = await this.requireUserRow(actor.userId);
    if (!(await this.deps.hasher.verify(user.password_hash, password))) {
      await this.deps.lockout.recordFailure(account, clientIp);
      throw AppError.unprocessable('password is wrong');
    }
    const ended = await withTransaction(this.deps.db, async (trx) => {
      const sessionIds = await repo.revokeUserSessions(trx, actor.userId, 'account deleted');
      await repo.deleteUser(trx, actor.userId);
      // The gateway's own tombstone: a late alert about this user is dropped, not delivered.
      await recordDeletedUser(trx, actor.userId);
      await publish(trx, eventCatalog.userDeleted, {
        source: 'gateway',
        data: { userId: actor.userId },
        userId: actor.userId,
        subjectId: actor.userId,
      });
      return sessionIds;
    });
    await this.deps.revocations.end(ended);
  }
}

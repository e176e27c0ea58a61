/**
 * Six-digit one-time codes: stored as an HMAC (6 digits alone would fall to an offline search), queued for
 * the delivery worker (e-mail or SMS) in the transaction that stores the code, so the caller never waits
 * for a mail server; burnt after a number of wrong guesses, and optionally bound to the address they were
 * sent to (a new phone or e-mail the code proves). The queued text is deleted once it was sent or failed,
 * and the queued message expires with the code.
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { newId, withTransaction } from '@cartwatch/db';
import type { Kysely } from 'kysely';
import type { CodeChannel, CodePurpose, DB } from '../db/schema.js';
import { type DeliveryPolicy, queueAccountMessage } from '../notifications/delivery-queue.js';
import * as repo from './auth.repository.js';

export interface OneTimeCodeDeps {
  db: Kysely<DB>;
  delivery: DeliveryPolicy;
  secret: Buffer;
  ttlSeconds: number;
  maxAttempts: number;
}

const SUBJECTS: Record<CodePurpose, string> = {
  'verify-email': 'confirm your e-mail address',
  'password-reset': 'reset your password',
  login: 'sign in',
  'second-factor': 'finish signing in',
  reauthenticate: 'confirm it is you',
  'verify-phone': 'confirm your phone number',
  'change-email': 'confirm your new e-mail address',
};

export interface CodeCheck {
  userId?: string;
  codeId?: string;
  purpose: CodePurpose;
  channel?: CodeChannel;
}

export class OneTimeCodes {
  constructor(private readonly deps: OneTimeCodeDeps) {}

  private hash(codeId: string, code: string): Buffer {
    return createHmac('sha256', this.deps.secret).update(`${codeId}:${code}`).digest();
  }

  /**
   * Creates a code for `purpose` and sends it to `to` (the account's own address, or the new one it
   * proves, then kept as the code's destination); returns the code id (a login challenge's id).
   */
  async send(
    user: { id: string },
    purpose: CodePurpose,
    channel: CodeChannel,
    to: string,
    options: { bindDestination?: boolean } = {},
  ): Promise<string> {
    const id = newId();
    const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
    const expiresAt = new Date(Date.now() + this.deps.ttlSeconds * 1000);
    const minutes = Math.round(this.deps.ttlSeconds / 60);
    const text = `Your CartWatch code to ${SUBJECTS[purpose]} is ${code}. It expires in ${minutes} minutes. If you did not ask for it, ignore this message.`;
    await withTransaction(this.deps.db, async (trx) => {
      await repo.insertCode(trx, {
        id,
        userId: user.id,
        purpose,
        channel,
        destination: options.bindDestination ? to : null,
        codeHash: this.hash(id, code),
        expiresAt,
      });
      await queueAccountMessage(
        trx,
        {
          sourceId: id,
          userId: user.id,
          kind: 'code',
          channel,
          to,
          title: `Code to ${SUBJECTS[purpose]}`,
          subject: `CartWatch code: ${SUBJECTS[purpose]}`,
          text,
          expiresAt,
        },
        this.deps.delivery,
      );
    });
    return id;
  }

  /**
   * Checks a code against the newest live one matching `filter`; a wrong guess counts an attempt and the
   * code is burnt after `maxAttempts`. On success the code is consumed and its user (and destination)
   * returned.
   */
  async check(
    filter: CodeCheck,
    code: string,
  ): Promise<{ userId: string; destination: string | null } | undefined> {
    return withTransaction(this.deps.db, async (trx) => {
      const row = await repo.lockLiveCode(trx, filter);
      if (!row) return undefined;
      if (!timingSafeEqual(row.code_hash, this.hash(row.id, code))) {
        await repo.recordWrongCode(trx, row.id, row.attempts + 1 >= this.deps.maxAttempts);
        return undefined;
      }
      await repo.consumeCode(trx, row.id);
      return { userId: row.user_id, destination: row.destination };
    });
  }
}

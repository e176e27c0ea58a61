/** What a deleted user leaves behind here: nothing that names them. */
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { detachReviewer, replaceContributor } from '../shrinkflation/shrinkflation.repository.js';
import { detachUser } from './observation.repository.js';

export async function forgetUser(
  trx: Transaction<DB>,
  userId: string,
): Promise<{ observations: number; reviews: number }> {
  const pseudonym = randomUUID();
  const observations = await detachUser(trx, userId, pseudonym);
  await replaceContributor(trx, userId, pseudonym);
  const reviews = await detachReviewer(trx, userId);
  return { observations, reviews };
}

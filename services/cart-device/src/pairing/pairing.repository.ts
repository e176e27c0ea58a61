/** SQL of pairing codes and pairing sessions. */
import type { Executor } from '@cartwatch/db';
import { sql } from 'kysely';
import type { DB, SessionEndReason } from '../db/schema.js';

export interface SessionRow {
  id: string;
  device_id: string;
  user_id: string;
  location_id: string;
  started_at: Date;
  last_activity_at: Date;
}

type Owner = { deviceId: string } | { userId: string };

const sessionColumns = [
  'id',
  'device_id',
  'user_id',
  'location_id',
  'started_at',
  'last_activity_at',
] as const;

/**
 * Ends the owner's session when it has been idle for `idleSeconds`. The idle timeout is applied lazily
 * here, by every read of a session, so no sweeper is needed for correctness.
 */
export async function endIdleSession(db: Executor<DB>, owner: Owner, idleSeconds: number): Promise<void> {
  let update = db
    .updateTable('pairing_session')
    .set({ ended_at: sql`last_activity_at + make_interval(secs => ${idleSeconds})`, end_reason: 'idle' })
    .where('ended_at', 'is', null)
    .where('last_activity_at', '<=', sql<Date>`now() - make_interval(secs => ${idleSeconds})`);
  update =
    'deviceId' in owner
      ? update.where('device_id', '=', owner.deviceId)
      : update.where('user_id', '=', owner.userId);
  await update.execute();
}

export function findActiveSession(db: Executor<DB>, owner: Owner): Promise<SessionRow | undefined> {
  let select = db.selectFrom('pairing_session').select(sessionColumns).where('ended_at', 'is', null);
  select =
    'deviceId' in owner
      ? select.where('device_id', '=', owner.deviceId)
      : select.where('user_id', '=', owner.userId);
  return select.executeTakeFirst();
}

export async function insertSession(
  db: Executor<DB>,
  session: { id: string; deviceId: string; userId: string; locationId: string },
): Promise<SessionRow> {
  return db
    .insertInto('pairing_session')
    .values({
      id: session.id,
      device_id: session.deviceId,
      user_id: session.userId,
      location_id: session.locationId,
    })
    .returning(sessionColumns)
    .executeTakeFirstOrThrow();
}

export async function endSession(
  db: Executor<DB>,
  owner: Owner,
  reason: SessionEndReason,
): Promise<SessionRow | undefined> {
  let update = db
    .updateTable('pairing_session')
    .set({ ended_at: sql`now()`, end_reason: reason })
    .where('ended_at', 'is', null);
  update =
    'deviceId' in owner
      ? update.where('device_id', '=', owner.deviceId)
      : update.where('user_id', '=', owner.userId);
  return update.returning(sessionColumns).executeTakeFirst();
}

export async function touchSession(db: Executor<DB>, sessionId: string): Promise<void> {
  await db
    .updateTable('pairing_session')
    .set({ last_activity_at: sql`now()` })
    .where('id', '=', sessionId)
    .where('ended_at', 'is', null)
    .execute();
}

export async function replacePairingCode(
  db: Executor<DB>,
  code: { codeHash: Buffer; deviceId: string; ttlSeconds: number },
): Promise<{ expires_at: Date }> {
  // A cart shows one code at a time: asking for a new one retires the previous ones.
  await db.deleteFrom('pairing_code').where('device_id', '=', code.deviceId).execute();
  return db
    .insertInto('pairing_code')
    .values({
      code_hash: code.codeHash,
      device_id: code.deviceId,
      expires_at: sql`now() + make_interval(secs => ${code.ttlSeconds})`,
    })
    .returning('expires_at')
    .executeTakeFirstOrThrow();
}

/** Marks the code used if it is unused and unexpired, atomically: single use even under races. */
export function claimPairingCode(
  db: Executor<DB>,
  codeHash: Buffer,
): Promise<{ device_id: string } | undefined> {
  return db
    .updateTable('pairing_code')
    .set({ used_at: sql`now()` })
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning('device_id')
    .executeTakeFirst();
}

export async function deleteUserSessions(db: Executor<DB>, userId: string): Promise<void> {
  await db.deleteFrom('pairing_session').where('user_id', '=', userId).execute();
}

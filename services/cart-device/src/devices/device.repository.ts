/** SQL of devices and their keys. */
import type { Executor } from '@cartwatch/db';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

export interface DeviceRow {
  id: string;
  location_id: string;
  name: string;
  firmware_version: string | null;
  last_seen_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
  paired_user_id: string | null;
}

function selectDevices(db: Executor<DB>) {
  return db
    .selectFrom('device')
    .leftJoin('pairing_session', (join) =>
      join.onRef('pairing_session.device_id', '=', 'device.id').on('pairing_session.ended_at', 'is', null),
    )
    .select([
      'device.id',
      'device.location_id',
      'device.name',
      'device.firmware_version',
      'device.last_seen_at',
      'device.revoked_at',
      'device.created_at',
      'pairing_session.user_id as paired_user_id',
    ]);
}

export async function insertDevice(
  db: Executor<DB>,
  device: { id: string; locationId: string; name: string },
): Promise<void> {
  await db
    .insertInto('device')
    .values({ id: device.id, location_id: device.locationId, name: device.name })
    .execute();
}

export async function insertDeviceKey(
  db: Executor<DB>,
  key: { id: string; deviceId: string; secretHash: Buffer },
): Promise<{ created_at: Date }> {
  return db
    .insertInto('device_key')
    .values({ id: key.id, device_id: key.deviceId, secret_hash: key.secretHash })
    .returning('created_at')
    .executeTakeFirstOrThrow();
}

export function findDevice(db: Executor<DB>, id: string): Promise<DeviceRow | undefined> {
  return selectDevices(db).where('device.id', '=', id).executeTakeFirst();
}

/** Row lock on the device: serialises key rotation, revocation and pairing of one cart. */
export function lockDevice(trx: Transaction<DB>, id: string) {
  return trx.selectFrom('device').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export function listDevices(
  db: Executor<DB>,
  query: {
    locationId?: string | undefined;
    /** Only devices at these locations (a store staff member's retailer). */
    locationIds?: string[] | undefined;
    afterId?: string | undefined;
    limit: number;
  },
): Promise<DeviceRow[]> {
  let select = selectDevices(db);
  if (query.locationId !== undefined) select = select.where('device.location_id', '=', query.locationId);
  if (query.locationIds !== undefined) select = select.where('device.location_id', 'in', query.locationIds);
  if (query.afterId !== undefined) select = select.where('device.id', '>', query.afterId);
  return select.orderBy('device.id').limit(query.limit).execute();
}

/** Keys issued before `now` that have no earlier expiry get `expiresAt` (the rotation grace period). */
export async function expirePreviousKeys(
  trx: Transaction<DB>,
  deviceId: string,
  exceptKeyId: string,
  expiresAt: Date,
): Promise<void> {
  await trx
    .updateTable('device_key')
    .set({ expires_at: expiresAt })
    .where('device_id', '=', deviceId)
    .where('id', '!=', exceptKeyId)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', expiresAt)]))
    .execute();
}

export async function revokeDevice(trx: Transaction<DB>, deviceId: string): Promise<void> {
  await trx.updateTable('device').set({ revoked_at: sql`now()` }).where('id', '=', deviceId).execute();
  await trx
    .updateTable('device_key')
    .set({ revoked_at: sql`now()` })
    .where('device_id', '=', deviceId)
    .where('revoked_at', 'is', null)
    .execute();
}

export interface KeyForAuth {
  key_id: string;
  device_id: string;
  location_id: string;
  secret_hash: Buffer;
  usable: boolean;
}

/** The key and whether it is usable now (not revoked, not expired, device not revoked). */
export function findKeyForAuth(db: Executor<DB>, keyId: string): Promise<KeyForAuth | undefined> {
  return db
    .selectFrom('device_key')
    .innerJoin('device', 'device.id', 'device_key.device_id')
    .select([
      'device_key.id as key_id',
      'device_key.device_id',
      'device.location_id',
      'device_key.secret_hash',
      sql<boolean>`device_key.revoked_at is null
        and device.revoked_at is null
        and (device_key.expires_at is null or device_key.expires_at > now())`.as('usable'),
    ])
    .where('device_key.id', '=', keyId)
    .executeTakeFirst();
}

/** last_seen_at at most every 15 s from ordinary requests, so a busy cart does not write on every call. */
export async function touchLastSeen(db: Executor<DB>, deviceId: string): Promise<void> {
  await db
    .updateTable('device')
    .set({ last_seen_at: sql`now()` })
    .where('id', '=', deviceId)
    .where((eb) =>
      eb.or([
        eb('last_seen_at', 'is', null),
        eb('last_seen_at', '<', sql<Date>`now() - interval '15 seconds'`),
      ]),
    )
    .execute();
}

export async function recordHeartbeat(
  db: Executor<DB>,
  deviceId: string,
  firmwareVersion: string | undefined,
): Promise<void> {
  await db
    .updateTable('device')
    .set({
      last_seen_at: sql`now()`,
      ...(firmwareVersion !== undefined && { firmware_version: firmwareVersion }),
    })
    .where('id', '=', deviceId)
    .execute();
}

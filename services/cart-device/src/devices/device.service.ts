/**
 * Device registry and device-key lifecycle: issue, authenticate, rotate with grace, revoke; heartbeat.
 * Carts are managed by admins and the store staff of their location's retailer (auth/store-staff.ts):
 * another retailer's cart is a 404, a location that is not theirs a 403.
 */

import {
  type Device,
  type DeviceListQuery,
  IdCursor,
  type Page,
  pageFromRows,
  type RegisterDevice,
} from '@cartwatch/common-types';
import { newId, withTransaction } from '@cartwatch/db';
import { AppError, type CurrentUser } from '@cartwatch/service-kit';
import type { CurrentDevice } from '../auth/device-context.js';
import { issueDeviceKey, parseDeviceKey, secretMatches } from '../auth/device-key.js';
import { locationsManagedBy, managesLocation, requireManagedLocation } from '../auth/store-staff.js';
import { type Deps, iso } from '../deps.js';
import type { CallContext } from '../orders/orders.client.js';
import { endSession } from '../pairing/pairing.repository.js';
import * as devices from './device.repository.js';

function toDevice(row: devices.DeviceRow): Device {
  return {
    id: row.id,
    locationId: row.location_id,
    name: row.name,
    firmwareVersion: row.firmware_version,
    lastSeenAt: row.last_seen_at ? iso(row.last_seen_at) : null,
    revokedAt: row.revoked_at ? iso(row.revoked_at) : null,
    createdAt: iso(row.created_at),
    pairedUserId: row.paired_user_id,
  };
}

/** A cart for a location orders knows (404 otherwise), by a manager of its retailer (403 otherwise). */
export async function registerDevice(
  deps: Deps,
  input: RegisterDevice,
  manager: CurrentUser,
  ctx?: CallContext,
) {
  await requireManagedLocation(deps, input.locationId, manager, ctx);
  const id = newId();
  const issued = issueDeviceKey(deps.pepper);
  const createdAt = await withTransaction(deps.db, async (trx) => {
    await devices.insertDevice(trx, { id, locationId: input.locationId, name: input.name });
    const key = await devices.insertDeviceKey(trx, {
      id: issued.keyId,
      deviceId: id,
      secretHash: issued.secretHash,
    });
    return key.created_at;
  });
  const row = await devices.findDevice(deps.db, id);
  if (!row) throw new AppError('INTERNAL', 'registered device vanished');
  return { device: toDevice(row), key: { keyId: issued.keyId, key: issued.key, createdAt: iso(createdAt) } };
}

/** Every cart for admins; the carts of their retailer's locations for store staff. */
export async function listDevices(
  deps: Deps,
  query: DeviceListQuery,
  viewer: CurrentUser,
  ctx?: CallContext,
): Promise<Page<Device>> {
  const after = query.cursor === undefined ? undefined : IdCursor.decode(query.cursor);
  const managed = await locationsManagedBy(deps, viewer, ctx);
  if (managed !== 'all' && managed.length === 0) return { items: [], nextCursor: null };
  const rows = await devices.listDevices(deps.db, {
    locationId: query.location,
    ...(managed !== 'all' && { locationIds: managed }),
    afterId: after?.id,
    limit: query.limit + 1,
  });
  return pageFromRows(rows, query.limit, toDevice, (last) => IdCursor.encode({ id: last.id }));
}

async function deviceById(deps: Deps, id: string): Promise<Device> {
  const row = await devices.findDevice(deps.db, id);
  if (!row) throw AppError.notFound('device');
  return toDevice(row);
}

/** The cart, when the user manages its location; 404 for a cart that is not there or not theirs. */
export async function getDevice(
  deps: Deps,
  id: string,
  viewer: CurrentUser,
  ctx?: CallContext,
): Promise<Device> {
  const device = await deviceById(deps, id);
  if (!(await managesLocation(deps, device.locationId, viewer, ctx))) throw AppError.notFound('device');
  return device;
}

/** A new key; the previous ones keep working for `graceSeconds`, so a cart can pick up its new key. */
export async function rotateDeviceKey(
  deps: Deps,
  id: string,
  graceSeconds: number | undefined,
  manager: CurrentUser,
  ctx?: CallContext,
) {
  // Asked of orders before the transaction (no network call holds the row lock); a cart never moves.
  await getDevice(deps, id, manager, ctx);
  const grace = graceSeconds ?? deps.config.DEVICE_KEY_GRACE_SECONDS;
  const issued = issueDeviceKey(deps.pepper);
  return withTransaction(deps.db, async (trx) => {
    const device = await devices.lockDevice(trx, id);
    if (!device) throw AppError.notFound('device');
    if (device.revoked_at !== null) throw AppError.conflict('device is revoked');
    const key = await devices.insertDeviceKey(trx, {
      id: issued.keyId,
      deviceId: id,
      secretHash: issued.secretHash,
    });
    const previousKeysExpireAt = new Date(key.created_at.getTime() + grace * 1000);
    await devices.expirePreviousKeys(trx, id, issued.keyId, previousKeysExpireAt);
    return {
      key: { keyId: issued.keyId, key: issued.key, createdAt: iso(key.created_at) },
      previousKeysExpireAt: iso(previousKeysExpireAt),
    };
  });
}

/** Revokes the device and every key at once, and ends its pairing session. */
export async function revokeDevice(
  deps: Deps,
  id: string,
  manager: CurrentUser,
  ctx?: CallContext,
): Promise<Device> {
  await getDevice(deps, id, manager, ctx);
  await withTransaction(deps.db, async (trx) => {
    const device = await devices.lockDevice(trx, id);
    if (!device) throw AppError.notFound('device');
    await devices.revokeDevice(trx, id);
    await endSession(trx, { deviceId: id }, 'revoked');
  });
  return deviceById(deps, id);
}

const invalidKey = () => AppError.unauthenticated('invalid device key');

/** `Authorization: Bearer cwd_<keyId>_<secret>` -> the device; 401 with one message for every failure. */
export async function authenticateDevice(
  deps: Deps,
  authorization: string | undefined,
): Promise<CurrentDevice> {
  const match = authorization === undefined ? undefined : /^Bearer (\S+)$/i.exec(authorization.trim());
  const parsed = match?.[1] === undefined ? undefined : parseDeviceKey(match[1]);
  if (!parsed) throw invalidKey();
  const key = await devices.findKeyForAuth(deps.db, parsed.keyId);
  // The hash is compared even for unusable keys, so a revoked key costs the same time as a wrong secret.
  const matches = key !== undefined && secretMatches(deps.pepper, parsed.secret, key.secret_hash);
  if (!key || !matches || !key.usable) throw invalidKey();
  await devices.touchLastSeen(deps.db, key.device_id);
  return { id: key.device_id, keyId: key.key_id, locationId: key.location_id };
}

export async function recordHeartbeat(
  deps: Deps,
  device: CurrentDevice,
  firmwareVersion: string | undefined,
) {
  await devices.recordHeartbeat(deps.db, device.id, firmwareVersion);
}

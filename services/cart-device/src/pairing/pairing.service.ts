/**
 * Pairing a shopper with a cart: the cart shows a short-lived code, the shopper sends it. One active
 * session per device and per user (partial unique indexes back the checks); either side can unpair;
 * a session idle for PAIRING_IDLE_TIMEOUT_SECONDS ends by itself.
 */
import { eventCatalog, type PairingSession } from '@cartwatch/common-types';
import { isUniqueViolation, newId, withTransaction } from '@cartwatch/db';
import { publish } from '@cartwatch/events';
import { AppError, type CurrentUser } from '@cartwatch/service-kit';
import type { CurrentDevice } from '../auth/device-context.js';
import { type Deps, iso } from '../deps.js';
import { lockDevice } from '../devices/device.repository.js';
import * as pairing from './pairing.repository.js';
import { generatePairingCode, hashPairingCode, normalizePairingCode, QR_PREFIX } from './pairing-code.js';

export function toSession(deps: Deps, row: pairing.SessionRow): PairingSession {
  return {
    id: row.id,
    deviceId: row.device_id,
    userId: row.user_id,
    locationId: row.location_id,
    startedAt: iso(row.started_at),
    lastActivityAt: iso(row.last_activity_at),
    expiresAt: iso(
      new Date(row.last_activity_at.getTime() + deps.config.PAIRING_IDLE_TIMEOUT_SECONDS * 1000),
    ),
  };
}

type Owner = { deviceId: string } | { userId: string };

/** The owner's session if it is still active (an idle one is ended on the way). */
export async function activeSession(deps: Deps, owner: Owner): Promise<pairing.SessionRow | undefined> {
  await pairing.endIdleSession(deps.db, owner, deps.config.PAIRING_IDLE_TIMEOUT_SECONDS);
  return pairing.findActiveSession(deps.db, owner);
}

/** The cart's active session, kept from going idle by this use; CONFLICT when the cart is not paired. */
export async function usePairedSession(deps: Deps, deviceId: string): Promise<pairing.SessionRow> {
  const session = await activeSession(deps, { deviceId });
  if (!session) throw AppError.conflict('the cart is not paired');
  await pairing.touchSession(deps.db, session.id);
  return session;
}

export async function createPairingCode(deps: Deps, device: CurrentDevice) {
  if (await activeSession(deps, { deviceId: device.id })) {
    throw AppError.conflict('the cart is paired; unpair it before showing a new code');
  }
  // A collision with another cart's live code is a primary-key violation: draw again.
  for (let attempt = 1; ; attempt++) {
    const code = generatePairingCode();
    try {
      const row = await pairing.replacePairingCode(deps.db, {
        codeHash: hashPairingCode(deps.pepper, code),
        deviceId: device.id,
        ttlSeconds: deps.config.PAIRING_CODE_TTL_SECONDS,
      });
      return { code, qrPayload: `${QR_PREFIX}${code}`, expiresAt: iso(row.expires_at) };
    } catch (error) {
      if (!isUniqueViolation(error) || attempt >= 5) throw error;
    }
  }
}

export async function pairWithCode(
  deps: Deps,
  user: CurrentUser,
  codeInput: string,
): Promise<PairingSession> {
  await deps.pairLimiter.consume(user.id);
  const codeHash = hashPairingCode(deps.pepper, normalizePairingCode(codeInput));
  const idleSeconds = deps.config.PAIRING_IDLE_TIMEOUT_SECONDS;
  try {
    const session = await withTransaction(deps.db, async (trx) => {
      const claimed = await pairing.claimPairingCode(trx, codeHash);
      if (!claimed) throw new AppError('NOT_FOUND', 'pairing code not found, used or expired');
      const device = await lockDevice(trx, claimed.device_id);
      if (!device || device.revoked_at !== null)
        throw new AppError('NOT_FOUND', 'pairing code not found, used or expired');
      await pairing.endIdleSession(trx, { deviceId: device.id }, idleSeconds);
      await pairing.endIdleSession(trx, { userId: user.id }, idleSeconds);
      const ofDevice = await pairing.findActiveSession(trx, { deviceId: device.id });
      if (ofDevice) throw AppError.conflict('the cart is already paired');
      const ofUser = await pairing.findActiveSession(trx, { userId: user.id });
      if (ofUser) {
        throw AppError.conflict('you are already paired with another cart; unpair it first', {
          deviceId: ofUser.device_id,
        });
      }
      const row = await pairing.insertSession(trx, {
        id: newId(),
        deviceId: device.id,
        userId: user.id,
        locationId: device.location_id,
      });
      await publish(trx, eventCatalog.devicePaired, {
        source: 'cart-device',
        userId: user.id,
        subjectId: device.id,
        data: { deviceId: device.id, userId: user.id, locationId: device.location_id, sessionId: row.id },
      });
      return row;
    });
    return toSession(deps, session);
  } catch (error) {
    // Two carts paired by one user at the same instant: the partial unique index decides.
    if (isUniqueViolation(error)) throw AppError.conflict('already paired');
    throw error;
  }
}

export async function sessionOfUser(deps: Deps, user: CurrentUser): Promise<PairingSession> {
  const row = await activeSession(deps, { userId: user.id });
  if (!row) throw AppError.notFound('pairing session');
  return toSession(deps, row);
}

export async function unpairUser(deps: Deps, user: CurrentUser): Promise<void> {
  await pairing.endIdleSession(deps.db, { userId: user.id }, deps.config.PAIRING_IDLE_TIMEOUT_SECONDS);
  const ended = await pairing.endSession(deps.db, { userId: user.id }, 'user');
  if (!ended) throw AppError.notFound('pairing session');
}

export async function deviceStatus(deps: Deps, device: CurrentDevice) {
  const row = await activeSession(deps, { deviceId: device.id });
  return {
    deviceId: device.id,
    locationId: device.locationId,
    serverTime: new Date().toISOString(),
    session: row ? toSession(deps, row) : null,
  };
}

export async function unpairDevice(deps: Deps, device: CurrentDevice): Promise<void> {
  await pairing.endIdleSession(deps.db, { deviceId: device.id }, deps.config.PAIRING_IDLE_TIMEOUT_SECONDS);
  const ended = await pairing.endSession(deps.db, { deviceId: device.id }, 'device');
  if (!ended) throw AppError.notFound('pairing session');
}

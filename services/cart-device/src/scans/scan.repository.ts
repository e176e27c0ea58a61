/** SQL of applied scans. */
import type { Executor } from '@cartwatch/db';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

export interface ScanRow {
  barcode: string;
  action: 'add' | 'remove';
  quantity: number;
  result: unknown;
}

/** The scan applied under `scanId` in this pairing session (scan ids are per session, not per cart). */
export function findScan(db: Executor<DB>, sessionId: string, scanId: string): Promise<ScanRow | undefined> {
  return db
    .selectFrom('device_scan')
    .select(['barcode', 'action', 'quantity', 'result'])
    .where('session_id', '=', sessionId)
    .where('scan_id', '=', scanId)
    .executeTakeFirst();
}

/**
 * Claims (session, scanId) in the caller's transaction. A concurrent claim of the same key waits here
 * until the first transaction ends, then gets `false` if it committed: the first scan wins.
 */
export async function claimScan(
  trx: Transaction<DB>,
  scan: {
    deviceId: string;
    scanId: string;
    sessionId: string;
    userId: string;
    barcode: string;
    action: 'add' | 'remove';
    quantity: number;
  },
): Promise<boolean> {
  const inserted = await trx
    .insertInto('device_scan')
    .values({
      device_id: scan.deviceId,
      scan_id: scan.scanId,
      session_id: scan.sessionId,
      user_id: scan.userId,
      barcode: scan.barcode,
      action: scan.action,
      quantity: scan.quantity,
      result: null,
    })
    .onConflict((oc) => oc.columns(['session_id', 'scan_id']).doNothing())
    .returning('scan_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function recordScanResult(
  trx: Transaction<DB>,
  key: { sessionId: string; scanId: string },
  productId: string | null,
  result: unknown,
): Promise<void> {
  await trx
    .updateTable('device_scan')
    .set({ product_id: productId, result: JSON.stringify(result) })
    .where('session_id', '=', key.sessionId)
    .where('scan_id', '=', key.scanId)
    .execute();
}

export async function deleteUserScans(db: Executor<DB>, userId: string): Promise<void> {
  await db.deleteFrom('device_scan').where('user_id', '=', userId).execute();
}

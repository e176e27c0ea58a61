/**
 * A barcode scanned on a paired cart goes into the shopper's cart through orders. Idempotent on
 * (pairing session, scanId): the scan row is claimed, orders called and the answer stored in ONE
 * transaction, so a retry either replays the stored answer or (if the first attempt failed and rolled
 * back) applies the scan once. The key is the session, not the cart: carts reuse scan ids for the next
 * shopper, who must never be answered with the previous shopper's cart. See README.md ("Scans") for the
 * remaining window and how orders can close it.
 */
import { type CartScreen, eventCatalog, type ScanRequest, ScanResult } from '@cartwatch/common-types';
import { withTransaction } from '@cartwatch/db';
import { publish } from '@cartwatch/events';
import { AppError, InternalHttpError } from '@cartwatch/service-kit';
import type { CurrentDevice } from '../auth/device-context.js';
import type { Deps } from '../deps.js';
import type { CallContext, CartSnapshot } from '../orders/orders.client.js';
import { touchSession } from '../pairing/pairing.repository.js';
import { activeSession } from '../pairing/pairing.service.js';
import * as scans from './scan.repository.js';

function toScreen(cart: CartSnapshot): CartScreen {
  return {
    itemCount: cart.itemCount,
    subtotalCents: cart.subtotalCents,
    currency: cart.currency,
    lines: cart.items.map((item) => ({
      productId: item.productId,
      name: item.name,
      quantity: item.quantity,
      lineTotalCents: item.lineTotalCents,
    })),
  };
}

function replay(row: scans.ScanRow, input: ScanRequest): ScanResult {
  if (row.barcode !== input.barcode || row.action !== input.action || row.quantity !== input.quantity) {
    throw AppError.conflict('this scanId was already used for a different scan', { scanId: input.scanId });
  }
  return { ...ScanResult.parse(row.result), replayed: true };
}

/** orders' NOT_FOUND means the barcode is not sold here (add) or not in the cart (remove). */
function explainNotFound(error: unknown, input: ScanRequest): never {
  if (error instanceof InternalHttpError && error.upstreamCode === 'NOT_FOUND') {
    const message =
      input.action === 'add'
        ? `unknown barcode ${input.barcode} at this store`
        : `barcode ${input.barcode} is not in the cart`;
    throw new AppError('NOT_FOUND', message, { barcode: input.barcode });
  }
  throw error;
}

export async function applyScan(
  deps: Deps,
  device: CurrentDevice,
  input: ScanRequest,
  ctx: CallContext,
): Promise<ScanResult> {
  const session = await activeSession(deps, { deviceId: device.id });
  if (!session) throw AppError.conflict('the cart is not paired');
  const applied = await scans.findScan(deps.db, session.id, input.scanId);
  if (applied) return replay(applied, input);

  return withTransaction(deps.db, async (trx) => {
    const claimed = await scans.claimScan(trx, {
      deviceId: device.id,
      scanId: input.scanId,
      sessionId: session.id,
      userId: session.user_id,
      barcode: input.barcode,
      action: input.action,
      quantity: input.quantity,
    });
    if (!claimed) {
      // A concurrent copy of this scan committed while we waited on its row.
      const row = await scans.findScan(trx, session.id, input.scanId);
      if (!row) throw new AppError('INTERNAL', 'claimed scan vanished');
      return replay(row, input);
    }
    const change = {
      userId: session.user_id,
      locationId: session.location_id,
      barcode: input.barcode,
      quantity: input.quantity,
    };
    let product: { productId: string; name: string } | undefined;
    let cart: CartSnapshot;
    try {
      if (input.action === 'add') {
        cart = await deps.orders.addByBarcode(change, ctx);
      } else {
        // Read first: the line is gone from the answer when its last unit is removed.
        const before = await deps.orders.getCart(session.user_id, session.location_id, ctx);
        product = before.items.find((item) => item.gtin === input.barcode);
        cart = await deps.orders.removeByBarcode(change, ctx);
      }
    } catch (error) {
      explainNotFound(error, input);
    }
    product ??= cart.items.find((item) => item.gtin === input.barcode);
    const result: ScanResult = {
      scanId: input.scanId,
      action: input.action,
      productId: product?.productId ?? null,
      productName: product?.name ?? null,
      quantity: input.quantity,
      replayed: false,
      cart: toScreen(cart),
    };
    await scans.recordScanResult(
      trx,
      { sessionId: session.id, scanId: input.scanId },
      result.productId,
      result,
    );
    await touchSession(trx, session.id);
    await publish(trx, eventCatalog.deviceScanned, {
      source: 'cart-device',
      userId: session.user_id,
      subjectId: device.id,
      data: {
        deviceId: device.id,
        userId: session.user_id,
        scanId: input.scanId,
        barcode: input.barcode,
        ...(result.productId !== null && { productId: result.productId }),
        action: input.action,
        quantity: input.quantity,
      },
    });
    return result;
  });
}

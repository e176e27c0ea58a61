/**
 * purchase.recorded.v1: match each line to a product and record what was paid as an observation.
 * A return line (negative `paidCents`: goods brought back) is matched, so the receipt shows its
 * product, but is no price: it records no observation (a negative price would break every series).
 */
import { eventCatalog, isReturnLine } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import { type MatchingOptions, matchPurchase } from '../catalog/matching.service.js';
import type { DB } from '../db/schema.js';
import type { SharedOptions } from '../prices/consensus.repository.js';
import { recordObservation } from '../prices/observation.service.js';

export function purchaseRecordedHandler(options: MatchingOptions, shared: SharedOptions, logger?: Logger) {
  return defineHandler(eventCatalog.purchaseRecorded, async (trx: Transaction<DB>, event) => {
    const purchase = event.data;
    const lines = await matchPurchase(trx, event, options);
    for (const line of lines) {
      if (isReturnLine(line.item)) continue;
      const recorded = await recordObservation(
        trx,
        line.match.product,
        {
          storeSlug: purchase.storeSlug,
          locationId: purchase.locationId,
          priceCents: line.paidPerUnitCents,
          regularPriceCents:
            line.item.regularPriceCents ??
            (line.priceType === 'regular' ? undefined : line.item.unitPriceCents),
          currency: purchase.currency,
          priceType: line.priceType,
          source: 'receipt',
          userId: purchase.userId,
          lineId: line.item.lineId,
          observedAt: purchase.purchasedAt,
          // The pack size printed on this receipt: a product keeps its GTIN when its pack shrinks.
          size: line.item.size,
        },
        { shared },
      );
      if (!recorded)
        logger?.warn(
          { eventId: event.id, lineId: line.item.lineId },
          'receipt line not recorded (a duplicate, or dated ahead)',
        );
    }
  });
}

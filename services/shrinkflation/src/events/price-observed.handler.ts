/** `price.observed.v1` -> pack-size history, and detection when the observation can change a judgement. */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { type DetectionSettings, recordPriceObservation } from '../detection/detection.service.js';

export function priceObservedHandler(settings: DetectionSettings) {
  return defineHandler(eventCatalog.priceObserved, async (trx: Transaction<DB>, event) => {
    await recordPriceObservation(trx, event, settings);
  });
}

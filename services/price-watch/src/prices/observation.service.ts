/**
 * Records a price observation (receipt line, catalog price, URL check): unit price per canonical unit,
 * rollups, the shared price, alerts and `price.observed.v1` / `price.shared.v1` in the same transaction.
 */
import { eventCatalog, type PackSize } from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import { publish } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import { alertOnObservation } from '../alerts/price-alerts.service.js';
import type { ProductRow } from '../catalog/catalog.repository.js';
import { gtinsOf } from '../catalog/catalog.repository.js';
import type { DB } from '../db/schema.js';
import { utcDay } from './consensus.js';
import { recomputeShared, recomputeSharedDays, type SharedOptions } from './consensus.repository.js';
import { insertObservation, type NewObservation, ownPrevious } from './observation.repository.js';

export interface ObservationInput {
  storeSlug: string;
  locationId?: string | undefined;
  priceCents: number;
  regularPriceCents?: number | undefined;
  currency: string;
  priceType: NewObservation['priceType'];
  source: NewObservation['source'];
  userId?: string | undefined;
  lineId?: string | undefined;
  watchId?: string | undefined;
  observedAt: string;
  /** The size of the observed pack when the source states it; else the product's size. */
  size?: PackSize | undefined;
}

export function productSize(product: ProductRow): { value: number; unit: 'g' | 'ml' | 'ct' } | undefined {
  return product.size_value !== null && product.size_unit !== null
    ? { value: Number(product.size_value), unit: product.size_unit }
    : undefined;
}

/** Cents per one canonical unit (g, ml or piece); null when the pack size is unknown. */
export function unitPriceOf(priceCents: number, size: { value: number } | undefined): number | null {
  return size && size.value > 0 ? priceCents / size.value : null;
}

/** How far ahead of the clock an observation may be dated (receipt-ingest's rule: time zones, tills). */
export const MAX_OBSERVATION_AHEAD_MS = 86_400_000;

export interface RecordOptions {
  shared: SharedOptions;
  now?: Date | undefined;
}

/**
 * Records one observation with its source and contributor, then (docs/price-watch.md, "Consensus
 * prices"): a receipt alerts its contributor on their own price; everyone else is alerted, and
 * `price.shared.v1` published, only when the shared price of the product at the store moved.
 * Refused (undefined) when dated more than a day ahead; dated at most now otherwise, so a receipt a
 * few hours "ahead" is never the latest price for long.
 */
export async function recordObservation(
  trx: Transaction<DB>,
  product: ProductRow,
  input: ObservationInput,
  options: RecordOptions,
): Promise<NewObservation | undefined> {
  const now = options.now ?? new Date();
  const dated = Date.parse(input.observedAt);
  if (!(dated <= now.getTime() + MAX_OBSERVATION_AHEAD_MS)) return undefined;
  const size = input.size ?? productSize(product);
  const observation: NewObservation = {
    id: newId(),
    productId: product.id,
    storeSlug: input.storeSlug,
    locationId: input.locationId ?? null,
    priceCents: input.priceCents,
    regularPriceCents: input.regularPriceCents ?? null,
    currency: input.currency,
    priceType: input.priceType,
    isSale: input.priceType !== 'regular',
    unitPriceCents: unitPriceOf(input.priceCents, size),
    source: input.source,
    userId: input.userId ?? null,
    lineId: input.lineId ?? null,
    watchId: input.watchId ?? null,
    observedAt: new Date(Math.min(dated, now.getTime())).toISOString(),
  };
  const key = { productId: product.id, storeSlug: observation.storeSlug, currency: observation.currency };
  const contributor = observation.source === 'receipt' ? (observation.userId ?? undefined) : undefined;
  const previousOwn = contributor ? await ownPrevious(trx, contributor, key, now) : undefined;
  if (!(await insertObservation(trx, observation))) return undefined;
  const signal = {
    productId: product.id,
    productName: product.name,
    available: null,
    storeSlug: key.storeSlug,
  };
  // The contributor's own alerts follow their own receipts; only their newest price triggers them.
  if (
    contributor &&
    (!previousOwn || previousOwn.observedAt.getTime() < Date.parse(observation.observedAt))
  ) {
    await alertOnObservation(
      trx,
      {
        ...signal,
        observationId: observation.id,
        priceCents: observation.priceCents,
        currency: observation.currency,
        observedAt: observation.observedAt,
      },
      previousOwn,
      { onlyUserId: contributor },
    );
  }
  const shared = await recomputeShared(trx, key, options.shared, now);
  // The day's shared price for the public series and aggregates (docs/price-watch.md).
  await recomputeSharedDays(trx, key, utcDay(new Date(observation.observedAt)), options.shared, now);
  const gtin = (await gtinsOf(trx, [product.id])).get(product.id)?.[0];
  if (shared.changed && shared.after) {
    const after = shared.after;
    // Everyone else sees the shared price; an older one taking over (an outlier dropped) alerts no one.
    if (!shared.before || shared.before.observed_at.getTime() <= after.observed_at.getTime()) {
      await alertOnObservation(
        trx,
        {
          ...signal,
          observationId: after.observation_id,
          priceCents: after.price_cents,
          currency: key.currency,
          observedAt: after.observed_at.toISOString(),
        },
        shared.before && { priceCents: shared.before.price_cents, currency: key.currency },
        contributor ? { exceptUserId: contributor } : {},
      );
    }
    await publish(trx, eventCatalog.priceShared, {
      source: 'price-watch',
      subjectId: product.id,
      data: {
        observationId: after.observation_id,
        productId: product.id,
        storeSlug: key.storeSlug,
        priceCents: after.price_cents,
        ...(after.regular_price_cents !== null && { regularPriceCents: after.regular_price_cents }),
        currency: key.currency,
        isSale: after.is_sale,
        basis: after.basis,
        contributors: after.contributors,
        observedAt: after.observed_at.toISOString(),
      },
    });
  }
  await publish(trx, eventCatalog.priceObserved, {
    source: 'price-watch',
    subjectId: product.id,
    // The buyer of a receipt observation (shrinkflation keeps it with the pack history).
    ...(input.userId && { userId: input.userId }),
    data: {
      observationId: observation.id,
      productId: product.id,
      ...(gtin && { gtin }),
      name: product.name,
      ...(product.brand && { brand: product.brand }),
      ...(product.category && { category: product.category }),
      storeSlug: observation.storeSlug,
      ...(observation.locationId && { locationId: observation.locationId }),
      priceCents: observation.priceCents,
      ...(observation.regularPriceCents !== null && { regularPriceCents: observation.regularPriceCents }),
      currency: observation.currency,
      isSale: observation.isSale,
      ...(size && { size }),
      source: observation.source,
      observedAt: observation.observedAt,
    },
  });
  return observation;
}

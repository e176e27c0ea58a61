/**
 * Records a price observation (receipt line, catalog price, URL check): unit price per canonical unit,
 * rollups, and `price.observed.v1` in the same transaction.
 */
import { eventCatalog, type PackSize } from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import { publish } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import { alertOnObservation } from '../alerts/price-alerts.service.js';
import type { ProductRow } from '../catalog/catalog.repository.js';
import { gtinsOf } from '../catalog/catalog.repository.js';
import type { DB } from '../db/schema.js';
import { insertObservation, type NewObservation } from './observation.repository.js';

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

export async function recordObservation(
  trx: Transaction<DB>,
  product: ProductRow,
  input: ObservationInput,
): Promise<NewObservation | undefined> {
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
    observedAt: new Date(input.observedAt).toISOString(),
  };
  const previous = await trx
    .selectFrom('price_latest')
    .select(['price_cents', 'currency', 'observed_at'])
    .where('product_id', '=', product.id)
    .where('store_slug', '=', observation.storeSlug)
    .where('currency', '=', observation.currency)
    .executeTakeFirst();
  if (!(await insertObservation(trx, observation))) return undefined;
  // Only the newest price of a store triggers alerts (an old receipt entered late does not).
  if (!previous || previous.observed_at.getTime() < Date.parse(observation.observedAt)) {
    await alertOnObservation(
      trx,
      {
        productId: product.id,
        productName: product.name,
        observationId: observation.id,
        priceCents: observation.priceCents,
        currency: observation.currency,
        available: null,
        storeSlug: observation.storeSlug,
        observedAt: observation.observedAt,
      },
      previous && { priceCents: previous.price_cents, currency: previous.currency },
    );
  }
  const gtin = (await gtinsOf(trx, [product.id])).get(product.id)?.[0];
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

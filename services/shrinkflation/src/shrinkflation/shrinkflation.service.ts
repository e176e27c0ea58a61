/** Reading detections, their evidence and size histories; reviewing them; the public list. */

import {
  defineCursor,
  type PackObservation,
  type PackSize,
  type Page,
  type ProductSizeHistory,
  type PublicShrinkflation,
  type PublicShrinkflationQuery,
  pageFromRows,
  type Shrinkflation,
  type ShrinkflationDetail,
  type ShrinkflationListQuery,
  type SizePeriod,
} from '@cartwatch/common-types';
import { withTransaction } from '@cartwatch/db';
import { AppError, type CurrentUser } from '@cartwatch/service-kit';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.js';
import { publishIfAlertable } from '../detection/detection.service.js';
import {
  findObservationsByIds,
  latestForProduct,
  listSizedForProduct,
  type ObservationRow,
} from '../observations/observation.repository.js';
import type { PublicCachePurger } from './public-cache-purge.js';
import {
  findShrinkflation,
  listShrinkflation,
  lockShrinkflation,
  recordReview,
  type ShrinkflationFilter,
  type ShrinkflationRow,
} from './shrinkflation.repository.js';

export interface ShrinkflationDeps {
  db: Kysely<DB>;
  highConfidence: number;
  /** The gateway's public cache, purged after a review. */
  publicCache: PublicCachePurger;
}

const ListCursor = defineCursor(z.strictObject({ d: z.iso.datetime(), id: z.uuid() }));

function sizeOf(value: string, unit: string): PackSize {
  return { value: Number(value), unit: unit as PackSize['unit'] };
}

function iso(value: Date | string): string {
  return new Date(value).toISOString();
}

export function toShrinkflation(row: ShrinkflationRow): Shrinkflation {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    productId: row.product_id,
    successorProductId: row.successor_product_id,
    gtin: row.gtin,
    successorGtin: row.successor_gtin,
    name: row.name,
    successorName: row.successor_name,
    brand: row.brand,
    category: row.category,
    storeSlug: row.store_slug,
    oldSize: sizeOf(row.old_size_value, row.size_unit),
    newSize: sizeOf(row.new_size_value, row.size_unit),
    sizeChangePct: row.size_change_pct,
    oldPriceCents: row.old_price_cents,
    newPriceCents: row.new_price_cents,
    currency: row.currency,
    unitPriceChangePct: row.unit_price_change_pct,
    qualityAdjustedPriceCents: row.quality_adjusted_price_cents,
    qualityAdjustedPriceChangePct: row.quality_adjusted_price_change_pct,
    confidence: row.confidence,
    contributors: row.contributors,
    storeSourced: row.store_sourced,
    independent: row.status === 'confirmed' || row.independent_evidence,
    factors: row.factors,
    changedAt: iso(row.changed_at),
    detectedAt: iso(row.detected_at),
    updatedAt: iso(row.updated_at),
    reviewedAt: row.reviewed_at ? iso(row.reviewed_at) : null,
  };
}

function toPublic(row: ShrinkflationRow): PublicShrinkflation {
  const {
    status,
    factors: _f,
    reviewedAt: _r,
    updatedAt: _u,
    contributors: _c,
    storeSourced: _s,
    independent: _i,
    ...rest
  } = toShrinkflation(row);
  return { ...rest, confirmed: status === 'confirmed' };
}

function toPackObservation(row: ObservationRow): PackObservation {
  return {
    observationId: row.observation_id,
    productId: row.product_id,
    storeSlug: row.store_slug,
    size: sizeOf(String(row.size_value), String(row.size_unit)),
    priceCents: row.price_cents,
    regularPriceCents: row.regular_price_cents,
    currency: row.currency,
    isSale: row.is_sale,
    source: row.source as PackObservation['source'],
    observedAt: iso(row.observed_at),
  };
}

function afterCursor(cursor: string | undefined): ShrinkflationFilter['after'] {
  if (cursor === undefined) return undefined;
  const decoded = ListCursor.decode(cursor);
  return { detectedAt: new Date(decoded.d), id: decoded.id };
}

async function pageOfRows<T>(
  db: Kysely<DB>,
  filter: Omit<ShrinkflationFilter, 'limit' | 'after'>,
  query: { limit: number; cursor?: string | undefined },
  map: (row: ShrinkflationRow) => T,
): Promise<Page<T>> {
  const rows = await listShrinkflation(db, {
    ...filter,
    after: afterCursor(query.cursor),
    limit: query.limit + 1,
  });
  return pageFromRows(rows, query.limit, map, (last) =>
    ListCursor.encode({ d: new Date(last.detected_at).toISOString(), id: last.id }),
  );
}

/** Detections; a non-admin reads confirmed ones, those with independent evidence and their own claims. */
export function listDetections(
  deps: ShrinkflationDeps,
  query: ShrinkflationListQuery,
  reader: { id: string; role: string },
): Promise<Page<Shrinkflation>> {
  return pageOfRows(
    deps.db,
    {
      category: query.category,
      brand: query.brand,
      store: query.store,
      since: query.since ? new Date(query.since) : undefined,
      visibility: query.status ? { kind: 'status', status: query.status } : { kind: 'all-but-rejected' },
      // Claims without independent evidence are for admins to review and for their own contributors,
      // not for other shoppers to read.
      readableBy: reader.role === 'admin' ? undefined : reader.id,
    },
    query,
    toShrinkflation,
  );
}

/**
 * Admins' moderation queue: detections awaiting a review (newest first), with who stands behind them
 * (docs/shrinkflation.md, "Independent evidence").
 */
export async function listModerationQueue(
  deps: ShrinkflationDeps,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<Shrinkflation>> {
  return pageOfRows(deps.db, { visibility: { kind: 'moderation' } }, query, toShrinkflation);
}

/**
 * The public list: confirmed, or detected with high confidence and independent evidence. Not cached
 * here: the gateway holds the one public cache, purged after a review.
 */
export async function listPublicDetections(
  deps: ShrinkflationDeps,
  query: PublicShrinkflationQuery,
): Promise<string> {
  const page = await pageOfRows(
    deps.db,
    {
      category: query.category,
      brand: query.brand,
      store: query.store,
      since: query.since ? new Date(query.since) : undefined,
      visibility: { kind: 'public', minConfidence: deps.highConfidence },
    },
    query,
    toPublic,
  );
  return JSON.stringify(page);
}

export async function getDetection(
  deps: ShrinkflationDeps,
  id: string,
  reader: { id: string; role: string },
): Promise<ShrinkflationDetail> {
  const row = await findShrinkflation(deps.db, id);
  const visible =
    row &&
    (reader.role === 'admin' ||
      row.status === 'confirmed' ||
      row.independent_evidence ||
      row.contributor_ids.includes(reader.id));
  if (!row || !visible) throw AppError.notFound('shrinkflation event');
  const observations = await findObservationsByIds(deps.db, [...row.evidence.before, ...row.evidence.after]);
  const byId = new Map(observations.map((o) => [o.observation_id, toPackObservation(o)]));
  const pick = (ids: string[]) => ids.flatMap((oid) => byId.get(oid) ?? []);
  return {
    ...toShrinkflation(row),
    evidence: { before: pick(row.evidence.before), after: pick(row.evidence.after) },
  };
}

/** Runs of one pack size per store, oldest first; sale observations count but do not split runs. */
export async function productSizeHistory(
  deps: ShrinkflationDeps,
  productId: string,
): Promise<ProductSizeHistory> {
  const latest = await latestForProduct(deps.db, productId);
  if (!latest) throw AppError.notFound('product');
  const rows = await listSizedForProduct(deps.db, productId);
  const periods: SizePeriod[] = [];
  let current: SizePeriod | undefined;
  for (const row of rows) {
    const size = sizeOf(String(row.size_value), String(row.size_unit));
    const observedAt = iso(row.observed_at);
    if (
      current &&
      current.storeSlug === row.store_slug &&
      current.size.unit === size.unit &&
      current.size.value === size.value
    ) {
      current.to = observedAt;
      current.observations += 1;
      if (row.is_sale) current.saleObservations += 1;
      current.minPriceCents = Math.min(current.minPriceCents, row.price_cents);
      current.maxPriceCents = Math.max(current.maxPriceCents, row.price_cents);
      continue;
    }
    current = {
      storeSlug: row.store_slug,
      size,
      from: observedAt,
      to: observedAt,
      observations: 1,
      saleObservations: row.is_sale ? 1 : 0,
      minPriceCents: row.price_cents,
      maxPriceCents: row.price_cents,
      currency: row.currency,
    };
    periods.push(current);
  }
  return { productId, gtin: latest.gtin, name: latest.name, brand: latest.brand, periods };
}

/**
 * An admin confirms or rejects a detection. Confirming publishes the event if it has not gone out; a
 * rejected detection is never published afterwards and later observations never revive it.
 */
export async function reviewDetection(
  deps: ShrinkflationDeps,
  reviewer: CurrentUser,
  id: string,
  decision: 'confirmed' | 'rejected',
  note: string | undefined,
  requestId?: string,
): Promise<Shrinkflation> {
  const row = await withTransaction(deps.db, async (trx) => {
    const existing = await lockShrinkflation(trx, id);
    if (!existing) throw AppError.notFound('shrinkflation event');
    const reviewed = await recordReview(trx, id, {
      status: decision,
      reviewerId: reviewer.id,
      note: note ?? null,
    });
    if (decision === 'confirmed') await publishIfAlertable(trx, reviewed, deps.highConfidence);
    return reviewed;
  });
  // After the commit (no network I/O inside the transaction): the public list changed.
  await deps.publicCache.purge(requestId);
  return toShrinkflation(row);
}

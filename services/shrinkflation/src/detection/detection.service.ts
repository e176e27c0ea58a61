/**
 * Turns `price.observed.v1` into pack-size history and shrinkflation detections, inside the consumer's
 * transaction: record the observation (a repeat is a no-op), then judge the same product in that store
 * and, for a product with a pairing key, the predecessor it may have replaced there.
 */
import { type EventDataOf, type EventEnvelope, eventCatalog, type PackSize } from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import { publish } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import type { Config } from '../config.js';
import type { DB } from '../db/schema.js';
import {
  countSaleObservations,
  insertObservation,
  listRegularSized,
  type ObservationRow,
  presenceByPairingKey,
  sourcesOfObservations,
} from '../observations/observation.repository.js';
import {
  markContributorsAlerted,
  markPublished,
  type ShrinkflationRow,
  upsertDetection,
  withdrawDisprovedPairings,
} from '../shrinkflation/shrinkflation.repository.js';
import { gtinCompanyPrefix, pairingKey } from './pairing-key.js';
import {
  assessShrink,
  type Pairing,
  type ShrinkAssessment,
  type SizedObservation,
  sizeRuns,
} from './shrink-rules.js';

export type PriceObserved = EventDataOf<typeof eventCatalog.priceObserved>;

export interface DetectionSettings {
  highConfidence: number;
  /** Distinct contributors that make receipt evidence independent (docs/shrinkflation.md). */
  minContributors: number;
  minObservationsAfter: number;
  minSizeDropPct: number;
  successorMaxGapDays: number;
  successorOverlapDays: number;
}

export function detectionSettingsFrom(config: Config): DetectionSettings {
  return {
    highConfidence: config.SHRINK_HIGH_CONFIDENCE,
    minContributors: config.SHRINK_MIN_CONTRIBUTORS,
    minObservationsAfter: config.SHRINK_MIN_OBSERVATIONS_AFTER,
    minSizeDropPct: config.SHRINK_MIN_SIZE_DROP_PCT,
    successorMaxGapDays: config.SHRINK_SUCCESSOR_MAX_GAP_DAYS,
    successorOverlapDays: config.SHRINK_SUCCESSOR_OVERLAP_DAYS,
  };
}

/** Evidence kept per side: the latest observations (medians use the whole runs loaded). */
const EVIDENCE_LIMIT = 20;
const DAY_MS = 86_400_000;

function toSized(row: ObservationRow): SizedObservation {
  return {
    observationId: row.observation_id,
    productId: row.product_id,
    size: { value: Number(row.size_value), unit: row.size_unit as PackSize['unit'] },
    priceCents: row.price_cents,
    currency: row.currency,
    isSale: row.is_sale,
    observedAt: new Date(row.observed_at),
  };
}

function sizeKey(size: PackSize): string {
  return `${size.value}${size.unit}`;
}

export interface ObservationOutcome {
  recorded: boolean;
  detections: ShrinkflationRow[];
}

export async function recordPriceObservation(
  trx: Transaction<DB>,
  event: EventEnvelope<PriceObserved>,
  settings: DetectionSettings,
): Promise<ObservationOutcome> {
  const data = event.data;
  const key = pairingKey(data.name, data.brand);
  const recorded = await insertObservation(trx, {
    observation_id: data.observationId,
    event_id: event.id,
    product_id: data.productId,
    gtin: data.gtin ?? null,
    name: data.name,
    brand: data.brand ?? null,
    category: data.category ?? null,
    pairing_key: key ?? null,
    store_slug: data.storeSlug,
    price_cents: data.priceCents,
    regular_price_cents: data.regularPriceCents ?? null,
    currency: data.currency,
    is_sale: data.isSale,
    size_value: data.size?.value ?? null,
    size_unit: data.size?.unit ?? null,
    source: data.source,
    user_id: event.userId ?? null,
    observed_at: data.observedAt,
  });
  // A repeated observation, a sale price or one without a size cannot change any judgement.
  if (!recorded || data.isSale || !data.size) return { recorded, detections: [] };

  // This product still on the shelf disproves pairings that had it replaced here.
  await withdrawDisprovedPairings(trx, {
    productId: data.productId,
    storeSlug: data.storeSlug,
    seenAt: new Date(data.observedAt),
    overlapDays: settings.successorOverlapDays,
  });
  const detections: ShrinkflationRow[] = [];
  const own = (await listRegularSized(trx, data.productId, data.storeSlug)).map(toSized);
  const sameProduct = await detectSameProduct(trx, data, own, settings);
  if (sameProduct) detections.push(sameProduct);
  if (key) {
    const successor = await detectSuccessor(trx, data, key, own, settings);
    if (successor) detections.push(successor);
  }
  return { recorded, detections };
}

async function detectSameProduct(
  trx: Transaction<DB>,
  data: PriceObserved,
  own: SizedObservation[],
  settings: DetectionSettings,
): Promise<ShrinkflationRow | undefined> {
  const runs = sizeRuns(own);
  const current = runs.at(-1);
  const previous = runs.at(-2);
  if (!current || !previous || current.observations.length < settings.minObservationsAfter) return undefined;
  const before = previous.observations;
  const after = current.observations;
  const firstBefore = before[0];
  if (!firstBefore) return undefined;
  const sales = await countSaleObservations(trx, [data.productId], data.storeSlug, firstBefore.observedAt);
  const assessment = assessShrink({
    before,
    after,
    saleObservationsExcluded: sales,
    pairing: { score: 1, detail: 'the same product (same GTIN) changed size' },
    minSizeDropPct: settings.minSizeDropPct,
  });
  if (!assessment) return undefined;
  return saveDetection(trx, settings, {
    dedupeKey: `same|${data.productId}|${data.storeSlug}|${sizeKey(assessment.oldSize)}|${sizeKey(assessment.newSize)}`,
    kind: 'same-product',
    productId: data.productId,
    successorProductId: null,
    gtin: data.gtin ?? null,
    successorGtin: null,
    name: data.name,
    successorName: null,
    brand: data.brand ?? null,
    category: data.category ?? null,
    storeSlug: data.storeSlug,
    assessment,
    evidence: { before: before.slice(-EVIDENCE_LIMIT), after: after.slice(-EVIDENCE_LIMIT) },
  });
}

/**
 * Pairs the observed product with a predecessor in the same store: same pairing key, a different product
 * (and GTIN), a larger size of the same dimension, seen there before it and gone within the overlap
 * window after it appeared, no longer than the maximum gap before. The strongest pairing wins.
 */
async function detectSuccessor(
  trx: Transaction<DB>,
  data: PriceObserved,
  key: string,
  own: SizedObservation[],
  settings: DetectionSettings,
): Promise<ShrinkflationRow | undefined> {
  const currentRun = sizeRuns(own).at(-1);
  if (!currentRun || currentRun.observations.length < settings.minObservationsAfter) return undefined;
  const presence = await presenceByPairingKey(trx, key, data.storeSlug);
  const mine = presence.find((p) => p.productId === data.productId);
  if (!mine) return undefined;

  let best:
    | {
        assessment: ShrinkAssessment;
        predecessor: ObservationRow;
        before: SizedObservation[];
        pairing: Pairing;
      }
    | undefined;
  for (const candidate of presence) {
    if (candidate.productId === data.productId) continue;
    if (candidate.firstSeen >= mine.firstSeen) continue;
    const gapMs = mine.firstSeen.getTime() - candidate.lastSeen.getTime();
    if (gapMs < -settings.successorOverlapDays * DAY_MS || gapMs > settings.successorMaxGapDays * DAY_MS)
      continue;
    const candidateRows = await listRegularSized(trx, candidate.productId, data.storeSlug);
    const predecessor = candidateRows.at(-1);
    if (!predecessor) continue;
    if (predecessor.gtin && data.gtin && predecessor.gtin === data.gtin) continue;
    const lastRun = sizeRuns(candidateRows.map(toSized)).at(-1);
    if (!lastRun) continue;
    const before = lastRun.observations;
    const after = currentRun.observations;
    const pairing = pairingStrength(predecessor, data, gapMs, settings);
    const sales = await countSaleObservations(
      trx,
      [candidate.productId, data.productId],
      data.storeSlug,
      before[0]?.observedAt ?? candidate.firstSeen,
    );
    const assessment = assessShrink({
      before,
      after,
      saleObservationsExcluded: sales,
      pairing,
      minSizeDropPct: settings.minSizeDropPct,
    });
    // A halved pack is a different product line more often than a quiet shrink.
    if (!assessment || assessment.sizeChangePct < -50) continue;
    if (!best || assessment.confidence > best.assessment.confidence)
      best = { assessment, predecessor, before, pairing };
  }
  if (!best) return undefined;
  const { assessment, predecessor } = best;
  return saveDetection(trx, settings, {
    dedupeKey: `successor|${predecessor.product_id}|${data.productId}|${data.storeSlug}`,
    kind: 'successor',
    productId: predecessor.product_id,
    successorProductId: data.productId,
    gtin: predecessor.gtin,
    successorGtin: data.gtin ?? null,
    name: predecessor.name,
    successorName: data.name,
    brand: predecessor.brand ?? data.brand ?? null,
    category: predecessor.category ?? data.category ?? null,
    storeSlug: data.storeSlug,
    assessment,
    evidence: {
      before: best.before.slice(-EVIDENCE_LIMIT),
      after: currentRun.observations.slice(-EVIDENCE_LIMIT),
    },
  });
}

/** How sure we are that `successor` replaced `predecessor` (docs/shrinkflation.md, "Pairing"). */
export function pairingStrength(
  predecessor: Pick<ObservationRow, 'gtin' | 'category'>,
  successor: Pick<PriceObserved, 'gtin' | 'category'>,
  gapMs: number,
  settings: Pick<DetectionSettings, 'successorMaxGapDays' | 'successorOverlapDays'>,
): Pairing {
  const reasons = ['same brand and normalised name'];
  let score = 0.55;
  const oldPrefix = gtinCompanyPrefix(predecessor.gtin);
  const newPrefix = gtinCompanyPrefix(successor.gtin);
  if (oldPrefix && newPrefix && oldPrefix === newPrefix) {
    score += 0.15;
    reasons.push('same GTIN company prefix');
  } else if (oldPrefix && newPrefix) reasons.push('different GTIN company prefix');
  else reasons.push('a GTIN is missing');
  if (predecessor.category && successor.category) {
    if (predecessor.category.toLowerCase() === successor.category.toLowerCase()) {
      score += 0.1;
      reasons.push('same category');
    } else reasons.push('different category');
  }
  const gapDays = gapMs / DAY_MS;
  const timing =
    gapDays <= settings.successorOverlapDays
      ? 1
      : Math.max(
          0,
          1 -
            (gapDays - settings.successorOverlapDays) /
              (settings.successorMaxGapDays - settings.successorOverlapDays || 1),
        );
  score += 0.2 * timing;
  reasons.push(
    gapDays < 0
      ? `the old pack was last seen ${Math.round(-gapDays)} days after the new one appeared`
      : `the new pack appeared ${Math.round(gapDays)} days after the old one was last seen`,
  );
  return { score: Math.min(1, Math.round(score * 10_000) / 10_000), detail: reasons.join('; ') };
}

interface DetectionDraft {
  dedupeKey: string;
  kind: 'same-product' | 'successor';
  productId: string;
  successorProductId: string | null;
  gtin: string | null;
  successorGtin: string | null;
  name: string;
  successorName: string | null;
  brand: string | null;
  category: string | null;
  storeSlug: string;
  assessment: ShrinkAssessment;
  evidence: { before: SizedObservation[]; after: SizedObservation[] };
}

async function saveDetection(
  trx: Transaction<DB>,
  settings: DetectionSettings,
  draft: DetectionDraft,
): Promise<ShrinkflationRow | undefined> {
  const { assessment } = draft;
  const evidenceIds = [...draft.evidence.before, ...draft.evidence.after].map((o) => o.observationId);
  const sources = await evidenceSources(trx, evidenceIds);
  const row = await upsertDetection(trx, {
    id: newId(),
    dedupe_key: draft.dedupeKey,
    kind: draft.kind,
    product_id: draft.productId,
    successor_product_id: draft.successorProductId,
    gtin: draft.gtin,
    successor_gtin: draft.successorGtin,
    name: draft.name,
    successor_name: draft.successorName,
    brand: draft.brand,
    category: draft.category,
    store_slug: draft.storeSlug,
    size_unit: assessment.oldSize.unit,
    old_size_value: assessment.oldSize.value,
    new_size_value: assessment.newSize.value,
    size_change_pct: assessment.sizeChangePct,
    old_price_cents: assessment.oldPriceCents,
    new_price_cents: assessment.newPriceCents,
    currency: assessment.currency,
    unit_price_change_pct: assessment.unitPriceChangePct,
    quality_adjusted_price_cents: assessment.qualityAdjustedPriceCents,
    quality_adjusted_price_change_pct: assessment.qualityAdjustedPriceChangePct,
    confidence: assessment.confidence,
    factors: JSON.stringify(assessment.factors),
    evidence: JSON.stringify({
      before: draft.evidence.before.map((o) => o.observationId),
      after: draft.evidence.after.map((o) => o.observationId),
    }),
    changed_at: assessment.changedAt,
    contributors: sources.contributors.length,
    contributor_ids: sources.contributors,
    store_sourced: sources.storeSourced,
    independent_evidence: sources.storeSourced || sources.contributors.length >= settings.minContributors,
  });
  if (!row) return undefined; // rejected by a reviewer: stays as it is, never alerts
  await publishIfAlertable(trx, row, settings.highConfidence);
  return row;
}

/** Who stands behind the evidence: distinct receipt contributors, and whether a store source does. */
export async function evidenceSources(
  trx: Transaction<DB>,
  observationIds: string[],
): Promise<{ contributors: string[]; storeSourced: boolean }> {
  if (observationIds.length === 0) return { contributors: [], storeSourced: false };
  const rows = await sourcesOfObservations(trx, observationIds);
  const contributors = new Set<string>();
  let storeSourced = false;
  for (const row of rows) {
    if (row.source !== 'receipt') storeSourced = true;
    else if (row.user_id) contributors.add(row.user_id);
  }
  return { contributors: [...contributors].sort(), storeSourced };
}

/**
 * Publishes `shrinkflation.detected.v1` when a detection is confirmed or reaches the high confidence;
 * never for a rejected one. While it rests on its contributors alone (no store source, fewer than k
 * distinct shoppers, no admin confirmation) only they are alerted (`audienceUserIds`, once); every
 * buyer is alerted once it is independent (docs/shrinkflation.md, "Independent evidence").
 */
export async function publishIfAlertable(
  trx: Transaction<DB>,
  row: ShrinkflationRow,
  highConfidence: number,
): Promise<boolean> {
  if (row.published_at !== null || row.status === 'rejected') return false;
  if (row.status !== 'confirmed' && row.confidence < highConfidence) return false;
  const independent = row.status === 'confirmed' || row.independent_evidence;
  let audienceUserIds: string[] | undefined;
  if (!independent) {
    if (row.contributors_alerted_at !== null) return false;
    audienceUserIds = (
      await evidenceSources(trx, [...row.evidence.before, ...row.evidence.after])
    ).contributors.slice(0, 100);
    if (audienceUserIds.length === 0) return false;
  }
  await publish(trx, eventCatalog.shrinkflationDetected, {
    source: 'shrinkflation',
    subjectId: row.product_id,
    data: {
      shrinkflationId: row.id,
      productId: row.product_id,
      ...(row.successor_product_id && { successorProductId: row.successor_product_id }),
      storeSlug: row.store_slug,
      oldSize: { value: Number(row.old_size_value), unit: row.size_unit as PackSize['unit'] },
      newSize: { value: Number(row.new_size_value), unit: row.size_unit as PackSize['unit'] },
      unitPriceChangePct: row.unit_price_change_pct,
      confidence: row.confidence,
      kind: row.kind,
      name: row.name,
      ...(row.brand && { brand: row.brand }),
      ...(row.category && { category: row.category }),
      sizeChangePct: row.size_change_pct,
      oldPriceCents: row.old_price_cents,
      newPriceCents: row.new_price_cents,
      currency: row.currency,
      qualityAdjustedPriceChangePct: row.quality_adjusted_price_change_pct,
      status: row.status === 'confirmed' ? 'confirmed' : 'detected',
      ...(audienceUserIds && { audienceUserIds }),
    },
  });
  if (audienceUserIds) await markContributorsAlerted(trx, row.id);
  else await markPublished(trx, row.id);
  return true;
}

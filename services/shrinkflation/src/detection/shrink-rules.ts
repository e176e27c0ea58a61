/**
 * The rules of detection, as pure functions over regular-price observations: which sizes form runs,
 * whether a change is shrinkflation, its figures and its confidence with the factors explained.
 * docs/shrinkflation.md describes them in words.
 */
import type { ConfidenceFactor, PackSize } from '@cartwatch/common-types';

export interface SizedObservation {
  observationId: string;
  productId: string;
  size: PackSize;
  priceCents: number;
  currency: string;
  isSale: boolean;
  observedAt: Date;
}

export interface SizeRun {
  size: PackSize;
  observations: SizedObservation[];
}

/** Price movements within this share count as "held" (shelf prices jitter by a cent or two). */
const PRICE_HOLD_TOLERANCE = 0.01;

export const factorWeights = {
  'observations-before': 0.2,
  'observations-after': 0.25,
  'price-direction': 0.25,
  pairing: 0.3,
  'sale-prices-excluded': 0,
} as const;

function sameSize(a: PackSize, b: PackSize): boolean {
  return a.unit === b.unit && a.value === b.value;
}

/** Consecutive observations of one size, oldest first. Input must be sorted by time. */
export function sizeRuns(observations: readonly SizedObservation[]): SizeRun[] {
  const runs: SizeRun[] = [];
  for (const observation of observations) {
    const last = runs.at(-1);
    if (last && sameSize(last.size, observation.size)) last.observations.push(observation);
    else runs.push({ size: observation.size, observations: [observation] });
  }
  return runs;
}

export function medianCents(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) throw new RangeError('median of nothing');
  if (sorted.length % 2 === 1) return sorted[middle] as number;
  return Math.round(((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2);
}

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

export interface Pairing {
  score: number;
  detail: string;
}

export interface ChangeInput {
  before: readonly SizedObservation[];
  after: readonly SizedObservation[];
  /** Sale-price observations left out of `before` and `after` (reported as a factor). */
  saleObservationsExcluded: number;
  pairing: Pairing;
  minSizeDropPct: number;
}

export interface ShrinkAssessment {
  oldSize: PackSize;
  newSize: PackSize;
  sizeChangePct: number;
  oldPriceCents: number;
  newPriceCents: number;
  currency: string;
  unitPriceChangePct: number;
  qualityAdjustedPriceCents: number;
  qualityAdjustedPriceChangePct: number;
  priceDirection: 'rose' | 'held' | 'fell';
  confidence: number;
  factors: ConfidenceFactor[];
  changedAt: Date;
}

function evidenceScore(count: number): number {
  return Math.min(count, 3) / 3;
}

/**
 * Judges a size change between two runs of regular-price observations. Undefined when it is not
 * shrinkflation: not the same dimension or currency, not smaller (or by less than `minSizeDropPct`),
 * or the price per unit did not rise (a smaller pack priced down in proportion is no shrinkflation).
 */
export function assessShrink(input: ChangeInput): ShrinkAssessment | undefined {
  const first = input.before[0];
  const firstAfter = input.after[0];
  if (!first || !firstAfter) return undefined;
  const oldSize = first.size;
  const newSize = firstAfter.size;
  if (oldSize.unit !== newSize.unit || first.currency !== firstAfter.currency) return undefined;
  const sizeChange = newSize.value / oldSize.value - 1;
  if (!(sizeChange * -100 >= input.minSizeDropPct) || sizeChange <= -1) return undefined;

  const oldPriceCents = medianCents(input.before.map((o) => o.priceCents));
  const newPriceCents = medianCents(input.after.map((o) => o.priceCents));
  if (oldPriceCents <= 0 || newPriceCents <= 0) return undefined;
  const qualityAdjusted = (newPriceCents * oldSize.value) / newSize.value;
  // Unit-price change and quality-adjusted change are the same ratio, computed once.
  const unitPriceChange = qualityAdjusted / oldPriceCents - 1;
  if (!(unitPriceChange > 0)) return undefined;

  const priceChange = newPriceCents / oldPriceCents - 1;
  const priceDirection =
    priceChange > PRICE_HOLD_TOLERANCE ? 'rose' : priceChange < -PRICE_HOLD_TOLERANCE ? 'fell' : 'held';

  const nBefore = input.before.length;
  const nAfter = input.after.length;
  const factors: ConfidenceFactor[] = [
    {
      name: 'observations-before',
      weight: factorWeights['observations-before'],
      score: roundTo(evidenceScore(nBefore), 4),
      detail: `${nBefore} regular-price observation${nBefore === 1 ? '' : 's'} of the old size (3 or more score fully)`,
    },
    {
      name: 'observations-after',
      weight: factorWeights['observations-after'],
      score: roundTo(evidenceScore(nAfter), 4),
      detail: `${nAfter} regular-price observations of the new size (3 or more score fully)`,
    },
    {
      name: 'price-direction',
      weight: factorWeights['price-direction'],
      score: priceDirection === 'fell' ? 0.3 : 1,
      detail:
        priceDirection === 'fell'
          ? `the shelf price fell ${roundTo(-priceChange * 100, 1)}% with the smaller pack, less than the size: partly compensated`
          : priceDirection === 'rose'
            ? `the shelf price rose ${roundTo(priceChange * 100, 1)}% while the pack shrank`
            : 'the shelf price held while the pack shrank',
    },
    {
      name: 'pairing',
      weight: factorWeights.pairing,
      score: roundTo(input.pairing.score, 4),
      detail: input.pairing.detail,
    },
    {
      name: 'sale-prices-excluded',
      weight: factorWeights['sale-prices-excluded'],
      score: 1,
      detail: `${input.saleObservationsExcluded} sale-price observation${input.saleObservationsExcluded === 1 ? '' : 's'} left out; only regular shelf prices are compared`,
    },
  ];
  const confidence = roundTo(
    factors.reduce((sum, factor) => sum + factor.weight * factor.score, 0),
    4,
  );
  return {
    oldSize,
    newSize,
    sizeChangePct: roundTo(sizeChange * 100, 2),
    oldPriceCents,
    newPriceCents,
    currency: first.currency,
    unitPriceChangePct: roundTo(unitPriceChange * 100, 2),
    qualityAdjustedPriceCents: Math.round(qualityAdjusted),
    qualityAdjustedPriceChangePct: roundTo(unitPriceChange * 100, 2),
    priceDirection,
    confidence,
    factors,
    changedAt: firstAfter.observedAt,
  };
}

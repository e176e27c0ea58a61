/**
 * The shared price of a product at a store, from evidence (docs/price-watch.md, "Consensus prices"):
 * a store-sourced price (the store's catalog, a check of its product page), or the median of receipt
 * prices confirmed by at least `minContributors` distinct contributors. Outliers are rejected first,
 * per product and store, with the median absolute deviation (a modified z-score above 3.5, Iglewicz and
 * Hoaglin) over the store's newest price and each contributor's newest receipt, so one person's 1¢ or
 * $99 receipt neither becomes nor moves the shared price.
 * Pure functions: the SQL that feeds them lives in consensus.repository.ts.
 */

export interface Evidence {
  observationId: string;
  priceCents: number;
  source: 'receipt' | 'catalog' | 'url';
  /** The contributor of a receipt (an account or, after its deletion, a pseudonym); null otherwise. */
  userId: string | null;
  observedAt: Date;
}

export interface ConsensusOptions {
  /** k: distinct contributors a receipt price needs before it is shared (and shown publicly). */
  minContributors: number;
}

export interface SharedPrice {
  /** The observation that stands for the shared price (the median contributor's, or the store's). */
  observationId: string;
  priceCents: number;
  basis: 'store' | 'consensus';
  /** Distinct receipt contributors behind a consensus price; 0 for a store-sourced one. */
  contributors: number;
  observedAt: Date;
}

/** Modified z-score above which a price is an outlier (Iglewicz and Hoaglin's 3.5). */
export const OUTLIER_Z = 3.5;
/** The spread never counts as less than 10 % of the median, so identical prices still admit a sale. */
export const MIN_SPREAD_RATIO = 0.1;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The prices that are not outliers by the median absolute deviation (all of them below three). */
export function rejectOutliers<T extends { priceCents: number }>(items: T[]): T[] {
  if (items.length < 3) return items;
  const prices = items.map((item) => item.priceCents);
  const center = median(prices);
  const mad = median(prices.map((price) => Math.abs(price - center)));
  // 1.4826 makes the MAD estimate a standard deviation for normally distributed prices.
  const spread = Math.max(1.4826 * mad, MIN_SPREAD_RATIO * center);
  if (spread <= 0) return items;
  return items.filter((item) => Math.abs(item.priceCents - center) / spread <= OUTLIER_Z);
}

/** One receipt per contributor: their newest. */
function newestPerContributor(receipts: Evidence[]): Evidence[] {
  const byUser = new Map<string, Evidence>();
  for (const receipt of receipts) {
    const key = receipt.userId ?? receipt.observationId;
    const kept = byUser.get(key);
    if (!kept || receipt.observedAt > kept.observedAt) byUser.set(key, receipt);
  }
  return [...byUser.values()];
}

/**
 * The shared price from one product's evidence at one store (one currency, dated in the past): the
 * newer of the newest store-sourced price and the receipt consensus; undefined without either.
 */
export function sharedPriceOf(evidence: Evidence[], options: ConsensusOptions): SharedPrice | undefined {
  const newestStore = evidence
    .filter((item) => item.source !== 'receipt')
    .reduce<Evidence | undefined>(
      (newest, item) => (!newest || item.observedAt > newest.observedAt ? item : newest),
      undefined,
    );
  const receipts = newestPerContributor(evidence.filter((item) => item.source === 'receipt'));
  // The store's own price takes part in the outlier test, so accounts agreeing on an absurd price
  // against the store's catalog stay outliers; only receipts are ever rejected (a store's price is
  // evidence, not hearsay).
  const inliers = new Set(
    rejectOutliers(newestStore ? [newestStore, ...receipts] : receipts).map((item) => item.observationId),
  );
  const confirmed = receipts.filter((item) => inliers.has(item.observationId));
  let consensus: SharedPrice | undefined;
  if (confirmed.length >= options.minContributors) {
    // The lower median is an actual observation: its sale flag and regular price come with it.
    const sorted = [...confirmed].sort(
      (a, b) => a.priceCents - b.priceCents || a.observationId.localeCompare(b.observationId),
    );
    const middle = sorted[Math.floor((sorted.length - 1) / 2)] as Evidence;
    const newest = new Date(
      Math.max(middle.observedAt.getTime(), ...confirmed.map((item) => item.observedAt.getTime())),
    );
    consensus = {
      observationId: middle.observationId,
      priceCents: middle.priceCents,
      basis: 'consensus',
      contributors: confirmed.length,
      observedAt: newest,
    };
  }
  const fromStore: SharedPrice | undefined = newestStore && {
    observationId: newestStore.observationId,
    priceCents: newestStore.priceCents,
    basis: 'store',
    contributors: 0,
    observedAt: newestStore.observedAt,
  };
  if (!consensus) return fromStore;
  if (!fromStore) return consensus;
  return consensus.observedAt > fromStore.observedAt ? consensus : fromStore;
}

const DAY_MS = 86_400_000;

/** The UTC day (YYYY-MM-DD) of a date. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The end of a UTC day (its last millisecond), but never later than `now`. */
export function endOfDay(day: string, now: Date): Date {
  return new Date(Math.min(Date.parse(`${day}T00:00:00Z`) + DAY_MS - 1, now.getTime()));
}

/**
 * The shared price as it stood at the end of each day on which the evidence has an observation
 * (docs/price-watch.md, "Shared figures over time"): for each such day, `sharedPriceOf` over the
 * evidence of the `windowDays` before that day's end. Days without a shared price are left out.
 * `evidence` is one product's at one store in one currency, in any order.
 */
export function sharedPricesByDay(
  evidence: Evidence[],
  options: ConsensusOptions & { windowDays: number },
  now: Date,
): Array<{ day: string; shared: SharedPrice }> {
  const sorted = evidence
    .filter((item) => item.observedAt.getTime() <= now.getTime())
    .sort((a, b) => a.observedAt.getTime() - b.observedAt.getTime());
  const days = [...new Set(sorted.map((item) => utcDay(item.observedAt)))];
  const result: Array<{ day: string; shared: SharedPrice }> = [];
  let from = 0;
  let to = 0;
  for (const day of days) {
    const end = endOfDay(day, now).getTime();
    const start = end - options.windowDays * DAY_MS;
    while (to < sorted.length && (sorted[to] as Evidence).observedAt.getTime() <= end) to++;
    while (from < to && (sorted[from] as Evidence).observedAt.getTime() <= start) from++;
    const shared = sharedPriceOf(sorted.slice(from, to), options);
    if (shared) result.push({ day, shared });
  }
  return result;
}

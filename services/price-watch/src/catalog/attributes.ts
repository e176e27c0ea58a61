/**
 * A product's brand, category and pack size from the best evidence (docs/price-watch.md, "Product
 * attributes"): an admin's value wins; then a store catalog's newest statement; then the value stated by
 * the most receipt contributors (each contributor's newest statement is one vote: with k or more it is a
 * consensus, below that the best single receipts there are), ties keeping the current value. No evidence
 * at all leaves the attribute as it is. Pure functions; the SQL is in attributes.service.ts.
 */
import type { AttributeName } from '../db/schema.js';

export const ATTRIBUTES: readonly AttributeName[] = ['category', 'brand', 'size'];

export interface Vote {
  attribute: AttributeName;
  source: 'catalog' | 'receipt';
  voter: string;
  value: string;
  observedAt: Date;
}

/** The value the evidence supports, or undefined when there is none. */
export function bestValue(votes: Vote[], current: string | null): string | undefined {
  const catalog = votes
    .filter((vote) => vote.source === 'catalog')
    .sort((a, b) => b.observedAt.getTime() - a.observedAt.getTime())[0];
  if (catalog) return catalog.value;
  const tally = new Map<string, { count: number; newest: number }>();
  for (const vote of votes) {
    const entry = tally.get(vote.value) ?? { count: 0, newest: 0 };
    entry.count += 1;
    entry.newest = Math.max(entry.newest, vote.observedAt.getTime());
    tally.set(vote.value, entry);
  }
  const ranked = [...tally.entries()].sort(
    ([valueA, a], [valueB, b]) =>
      b.count - a.count ||
      Number(valueB === current) - Number(valueA === current) ||
      b.newest - a.newest ||
      valueA.localeCompare(valueB),
  );
  return ranked[0]?.[0];
}

/** "500 g": how a pack size is stated in votes and the history. */
export function formatSize(size: { value: number; unit: string }): string {
  return `${Number(size.value)} ${size.unit}`;
}

export function parseSize(text: string): { value: number; unit: 'g' | 'ml' | 'ct' } | undefined {
  const [value, unit] = text.split(' ');
  const number = Number(value);
  if (!(number > 0) || (unit !== 'g' && unit !== 'ml' && unit !== 'ct')) return undefined;
  return { value: number, unit };
}

/** Categories are kept in lower case, trimmed: "Dairy" and "dairy " are one category. */
export function normalizeCategory(category: string): string {
  return category.trim().toLowerCase();
}

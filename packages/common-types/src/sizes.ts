/**
 * Package sizes: a value in one of three canonical units (g, ml, ct) and the only place where
 * other units are converted to them (docs/architecture.md#data).
 */
import { z } from 'zod';

export const canonicalUnits = ['g', 'ml', 'ct'] as const;
export const CanonicalUnit = z.enum(canonicalUnits);
export type CanonicalUnit = z.infer<typeof CanonicalUnit>;

export const sizeUnits = ['g', 'kg', 'oz', 'lb', 'ml', 'l', 'fl_oz', 'ct', 'pk'] as const;
export const SizeUnit = z.enum(sizeUnits);
export type SizeUnit = z.infer<typeof SizeUnit>;

/** Exact conversion factors to the canonical unit (avoirdupois ounce and pound, US fluid ounce). */
export const unitConversions: Record<SizeUnit, { canonical: CanonicalUnit; factor: number }> = {
  g: { canonical: 'g', factor: 1 },
  kg: { canonical: 'g', factor: 1000 },
  oz: { canonical: 'g', factor: 28.349523125 },
  lb: { canonical: 'g', factor: 453.59237 },
  ml: { canonical: 'ml', factor: 1 },
  l: { canonical: 'ml', factor: 1000 },
  fl_oz: { canonical: 'ml', factor: 29.5735295625 },
  ct: { canonical: 'ct', factor: 1 },
  pk: { canonical: 'ct', factor: 1 },
};

export const PackSize = z.object({
  value: z.number().positive().finite(),
  unit: CanonicalUnit,
});
export type PackSize = z.infer<typeof PackSize>;

/** Canonical values are kept to 6 decimals so that equal sizes compare equal after conversion. */
function roundCanonical(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

export function toCanonicalSize(value: number, unit: SizeUnit): PackSize {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`size must be a positive number, got ${value}`);
  const { canonical, factor } = unitConversions[unit];
  return { value: roundCanonical(value * factor), unit: canonical };
}

/** Converts a canonical size into another unit of the same dimension (e.g. g -> oz for display). */
export function fromCanonicalSize(size: PackSize, unit: SizeUnit): number {
  const { canonical, factor } = unitConversions[unit];
  if (canonical !== size.unit) throw new RangeError(`cannot convert ${size.unit} to ${unit}`);
  return size.value / factor;
}

const unitAliases: Record<string, SizeUnit> = {
  g: 'g',
  gr: 'g',
  gram: 'g',
  grams: 'g',
  kg: 'kg',
  kilo: 'kg',
  kilogram: 'kg',
  kilograms: 'kg',
  oz: 'oz',
  ounce: 'oz',
  ounces: 'oz',
  lb: 'lb',
  lbs: 'lb',
  pound: 'lb',
  pounds: 'lb',
  ml: 'ml',
  milliliter: 'ml',
  milliliters: 'ml',
  millilitre: 'ml',
  millilitres: 'ml',
  l: 'l',
  lt: 'l',
  liter: 'l',
  liters: 'l',
  litre: 'l',
  litres: 'l',
  floz: 'fl_oz',
  'fl oz': 'fl_oz',
  'fl.oz': 'fl_oz',
  'fl. oz': 'fl_oz',
  fl_oz: 'fl_oz',
  ct: 'ct',
  count: 'ct',
  ea: 'ct',
  each: 'ct',
  pc: 'ct',
  pcs: 'ct',
  pk: 'pk',
  pack: 'pk',
  pkg: 'pk',
};

/**
 * Parses sizes as printed on shelves and receipts: "16 oz", "1.5L", "12 fl oz", "6 pk",
 * "12 x 330 ml" (multipack: count times unit size). Returns undefined when no size is recognisable.
 */
export function parsePackSize(text: string): PackSize | undefined {
  const normalized = text.toLowerCase().replace(',', '.').replace(/\s+/g, ' ').trim();
  const multi = /^(\d+)\s*[x×]\s*(\d+(?:\.\d+)?)\s*([a-z. _]+)$/.exec(normalized);
  if (multi) {
    const unit = unitAliases[(multi[3] ?? '').trim()];
    if (!unit) return undefined;
    const single = toCanonicalSize(Number(multi[2]), unit);
    return { value: roundCanonical(single.value * Number(multi[1])), unit: single.unit };
  }
  const simple = /^(\d+(?:\.\d+)?)\s*([a-z. _]+)$/.exec(normalized);
  if (!simple) return undefined;
  const unit = unitAliases[(simple[2] ?? '').trim()];
  const value = Number(simple[1]);
  if (!unit || !(value > 0)) return undefined;
  return toCanonicalSize(value, unit);
}

/**
 * From OCR lines to a draft: the existing text-receipt parser reads the lines; each item gets the
 * confidence of the words it was read from and the image region of its lines; the store is recognised
 * from the receipt's header (a known retailer's name) or any line (a known location's street address).
 */
import { randomUUID } from 'node:crypto';
import { parseTextReceipt } from '../text-receipt.parser.js';
import type { OcrResult } from './ocr-pool.js';
import type { PhotoDraft } from './photo.schemas.js';
import type { PreparedPhoto } from './prepare-image.js';

export interface KnownStore {
  slug: string;
  name: string;
  locations: Array<{ id: string; addressLine: string | null }>;
}

/** Lower-case letters and digits only: OCR drops and doubles spaces and punctuation. */
export function squash(text: string): string {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** The store the text names: a location's street address first (it also names the retailer), else a name. */
export function recognizeStore(
  lines: readonly string[],
  headerLineCount: number,
  stores: readonly KnownStore[],
): Pick<PhotoDraft, 'storeSlug' | 'locationId' | 'storeMatchedBy'> {
  const all = squash(lines.join(' '));
  for (const store of stores) {
    for (const location of store.locations) {
      const address = squash(location.addressLine ?? '');
      if (address.length >= 6 && all.includes(address))
        return { storeSlug: store.slug, locationId: location.id, storeMatchedBy: 'address' };
    }
  }
  const header = squash(lines.slice(0, Math.max(1, headerLineCount)).join(' '));
  // The longest name that matches wins ("Whole Foods Market" over "Whole Foods").
  const byName = [...stores]
    .map((store) => ({ store, key: squash(store.name) }))
    .filter(({ key }) => key.length >= 3 && header.includes(key))
    .sort((a, b) => b.key.length - a.key.length)[0];
  if (byName) return { storeSlug: byName.store.slug, locationId: null, storeMatchedBy: 'name' };
  return { storeSlug: null, locationId: null, storeMatchedBy: null };
}

// Dot leaders (`Honey 16oz ........ 9.00`) come out of OCR as a run of small lower-case letters and dots.
const DOT_LEADER = /\s+[.,:;'`*~]*[aceinorsuvx.,:;'`*~]{6,}[.,:;'`*~]*(?=\s+[$£€]?\d+[.,]\d{2}\b)/;

/**
 * Fixes OCR confusions that break the parser's patterns on receipts: `l` read as `1` in weight units
 * (`2.31 1b @ 0.59 /1b`), `O` read as `0` in `OZ` after a number (`180Z`), a tax flag glued to the
 * amount (`9.49 B` read as `9.498`), dot leaders read as letters.
 */
export function correctOcrLine(line: string): string {
  return line
    .replace(/(\d\s?|\/\s?)1b(s?)\b/g, '$1lb$2')
    .replace(/(\d)0Z\b/g, '$1OZ')
    .replace(/(\s[$£€]?\d{1,6}[.,]\d{2})([0-9A-Z])\s*$/, '$1 $2')
    .replace(DOT_LEADER, '');
}

export function currencyOf(text: string, fallback: string): string {
  if (/€|\bEUR\b/.test(text)) return 'EUR';
  if (/£|\bGBP\b/.test(text)) return 'GBP';
  return fallback;
}

export function buildDraft(
  ocr: OcrResult,
  prepared: Pick<PreparedPhoto, 'toRegion' | 'displayWidth' | 'displayHeight'>,
  stores: readonly KnownStore[],
  defaultCurrency: string,
): PhotoDraft {
  const texts = ocr.lines.map((line) => correctOcrLine(line.text));
  const text = texts.join('\n');
  const parsed = parseTextReceipt(text);
  const firstItemLine = Math.min(...parsed.itemLines.map((lines) => Math.min(...lines)), texts.length + 1);
  const lines = parsed.items.map((item, index) => {
    const sources = (parsed.itemLines[index] ?? [])
      .map((lineNo) => ocr.lines[lineNo - 1])
      .filter((line) => line !== undefined);
    const confidence = sources.length === 0 ? 0 : Math.min(...sources.map((line) => line.confidence)) / 100;
    const region =
      sources.length === 0
        ? null
        : prepared.toRegion({
            x0: Math.min(...sources.map((line) => line.bbox.x0)),
            y0: Math.min(...sources.map((line) => line.bbox.y0)),
            x1: Math.max(...sources.map((line) => line.bbox.x1)),
            y1: Math.max(...sources.map((line) => line.bbox.y1)),
          });
    return {
      id: randomUUID(),
      name: item.name,
      quantity: item.quantityMilli / 1000,
      unit: item.unit,
      unitPriceCents: item.unitPriceCents,
      paidCents: item.paidCents,
      discountCents: item.discountCents,
      gtin: item.gtin ?? null,
      confidence: Math.round(Math.min(1, Math.max(0, confidence)) * 100) / 100,
      region,
      edited: false,
    };
  });
  return {
    ...recognizeStore(texts, firstItemLine - 1, stores),
    purchasedAt: parsed.purchasedAt?.toISOString() ?? null,
    currency: currencyOf(text, defaultCurrency),
    lines,
    unparsedLines: parsed.unparsedLines,
    confidence: parsed.confidence,
    text,
    imageWidth: prepared.displayWidth,
    imageHeight: prepared.displayHeight,
  };
}

/**
 * From OCR lines to a draft: the existing text-receipt parser reads the lines; each item gets the
 * confidence of the words it was read from and the image region of its lines; the store is recognised
 * from the receipt's header (a known retailer's name) or any line (a known location's street address).
 */
import { randomUUID } from 'node:crypto';
import { type ParsedTextReceipt, parseTextReceipt } from '../text-receipt.parser.js';
import type { OcrResult } from './ocr-pool.js';
import type { PhotoDraft } from './photo.schemas.js';
import type { PreparedPhoto } from './prepare-image.js';

export interface KnownStore {
  slug: string;
  name: string;
  locations: Array<{ id: string; addressLine: string | null; phone?: string | null }>;
}

/** The digits of a telephone number that identify it: the last ten (the national number), at least seven. */
function phoneKey(phone: string | null | undefined): string | undefined {
  const digits = (phone ?? '').replace(/\D/g, '');
  return digits.length >= 7 ? digits.slice(-10) : undefined;
}

/** Lower-case letters and digits only: OCR drops and doubles spaces and punctuation. */
export function squash(text: string): string {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/**
 * The store the text names: a location's street address or telephone number anywhere on the receipt
 * (either also names the retailer), else a retailer's name in the header.
 */
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
  // A line's digits, so `(513) 555-0132` and `513.555.0132` both read 5135550132.
  const lineDigits = lines.map((line) => line.replace(/\D/g, ''));
  for (const store of stores) {
    for (const location of store.locations) {
      const key = phoneKey(location.phone);
      if (key !== undefined && lineDigits.some((digits) => digits.includes(key)))
        return { storeSlug: store.slug, locationId: location.id, storeMatchedBy: 'phone' };
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

// Dot leaders (`Honey 16oz ........ 9.00`) come out of OCR as a run of small lower-case letters and dots,
const DOT_LEADER = /\s+[.,:;'`*~]*[aceinorsuvx.,:;'`*~]{6,}[.,:;'`*~]*(?=\s+[$£€]?\d+[.,]\d{2}\b)/;
// or as one made-up word next to the price that starts with a quote or star or ends in dots and commas
// (`tomatoes “risen, 6.50`, `boule terievii., 8.00`): no printed name ends so.
const DOT_LEADER_WORD =
  /\s+(?:[“”"'`*.,:;~]\S{3,}[.,:;]|\S{4,}[.,:;]{2,}|[“”"'`*]\S{3,})(?=\s+[$£€]?\d+[.,]\d{2}\b)/;
/** Letters OCR reads for digits in an amount (`B.00` for `8.00`). */
const DIGIT_FOR: Record<string, string> = { B: '8', O: '0', o: '0', S: '5', l: '1', I: '1', '|': '1' };
// The amount at the end of an item line, with letters in place of digits (at most two).
const LETTERED_AMOUNT = /(\s[$£€]?)([0-9BOoSlI|]{1,5}[.,][0-9BOoS]{2})((?:\s+[A-Z*]{1,2})?\s*)$/;

function digitsFor(amount: string): string {
  const letters = amount.replace(/[0-9.,]/g, '');
  if (letters.length === 0 || letters.length > 2 || !/\d/.test(amount)) return amount;
  return amount.replace(/[BOoSlI|]/g, (letter) => DIGIT_FOR[letter] ?? letter);
}

/**
 * Fixes OCR confusions that break the parser's patterns on receipts (docs/receipt-ingest.md#receipts-from-photos):
 * - weight lines: `l` read as `1` or lost in the unit (`2.31 1b @ 0.59 /1b`, `/b`, `/)b`), `@` read as `#`;
 * - `O` read as `0` in `OZ` after a number (`180Z`);
 * - a tax flag glued to the amount (`9.49 B` read as `9.498`) or read with a digit before it (`1,80 8B`);
 * - a minus read as `«` or `~` (`«2,00 A`; not a dash, which some receipts print between name and price);
 * - letters in an amount (`B.00`), and an 11-digit article number whose last `1` was read as `]`;
 * - dot leaders read as letters.
 */
export function correctOcrLine(line: string): string {
  return line
    .replace(/(\d\s?|\/\s?)1b(s?)\b/g, '$1lb$2')
    .replace(/\/\s?[)|\]Il1]?b\b/g, '/lb')
    .replace(/(\d[.,]\d{1,3}\s*(?:kg|lb|lbs|g|oz))\s*[#&%]\s*(?=[$£€]?\d)/gi, '$1 @ ')
    .replace(/(\d)0Z\b/g, '$1OZ')
    .replace(/(\s[$£€]?\d{1,6}[.,]\d{2})([0-9A-Z])\s*$/, '$1 $2')
    .replace(/(\s[$£€]?\d{1,6}[.,]\d{2})\s+\d([A-Z])\s*$/, '$1 $2')
    .replace(/(\s)[«~]\s?(?=[$£€]?\d{1,6}[.,]\d{2}\b)/, '$1-')
    .replace(/(\b\d{11})[\]|Il!](?=\s)/g, (_all, digits: string) => `${digits}1`)
    .replace(
      LETTERED_AMOUNT,
      (_all, before: string, amount: string, after: string) => `${before}${digitsFor(amount)}${after}`,
    )
    .replace(DOT_LEADER, '')
    .replace(DOT_LEADER_WORD, '');
}

/** Digits an OCR engine reads in place of each digit on a blurred receipt (`0`/`6`/`8`, `3`/`8`, `1`/`7`, ...). */
const CONFUSABLE_DIGITS: Record<string, string> = {
  '0': '689',
  '1': '7',
  '3': '8',
  '5': '6',
  '6': '058',
  '7': '1',
  '8': '0369',
  '9': '08',
};
/** The confidence of a line whose amount was corrected by the subtotal: below the review highlight. */
export const CORRECTED_CONFIDENCE = 0.5;
const MONEY = /\d{1,6}[.,]\d{2}(?!\d)/g;

/** What the items must add up to: the printed subtotal, else the total less the tax (as the parser checks). */
function referenceOf(parsed: ParsedTextReceipt): number | undefined {
  if (parsed.subtotalCents !== undefined) return parsed.subtotalCents;
  if (parsed.totalCents === undefined) return undefined;
  return parsed.totalCents - (parsed.taxCents ?? 0);
}

const itemsTotal = (parsed: ParsedTextReceipt) => parsed.items.reduce((sum, item) => sum + item.paidCents, 0);

/**
 * The printed subtotal as a check digit: when the items do not add up to it, and exactly one single-digit
 * OCR confusion in one amount of the item lines makes them add up (`£6.37` read for `£0.37`), that amount
 * is corrected and its line number returned (the draft marks the line for review). Two or more candidate
 * corrections, or none, leave the text as read.
 */
export function reconcileWithTotal(texts: readonly string[]): {
  texts: readonly string[];
  parsed: ParsedTextReceipt;
  correctedLineNo?: number;
} {
  const parsed = parseTextReceipt(texts.join('\n'));
  const reference = referenceOf(parsed);
  if (reference === undefined || parsed.items.length === 0 || itemsTotal(parsed) === reference)
    return { texts, parsed };
  let found: { texts: readonly string[]; parsed: ParsedTextReceipt; correctedLineNo: number } | undefined;
  for (const lineNo of new Set(parsed.itemLines.flat())) {
    const line = texts[lineNo - 1] ?? '';
    for (const match of line.matchAll(MONEY)) {
      for (let at = match.index; at < match.index + match[0].length; at++) {
        for (const digit of CONFUSABLE_DIGITS[line[at] ?? ''] ?? '') {
          const variant = texts.with(lineNo - 1, line.slice(0, at) + digit + line.slice(at + 1));
          const reparsed = parseTextReceipt(variant.join('\n'));
          if (
            reparsed.items.length !== parsed.items.length ||
            itemsTotal(reparsed) !== reference ||
            // A discount larger than its item is no reading of a receipt.
            reparsed.items.some(
              (item, index) => item.paidCents < 0 && (parsed.items[index]?.paidCents ?? 0) >= 0,
            )
          )
            continue;
          if (found) return { texts, parsed }; // ambiguous: not ours to choose
          found = { texts: variant, parsed: reparsed, correctedLineNo: lineNo };
        }
      }
    }
  }
  return found ?? { texts, parsed };
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
  const { texts, parsed, correctedLineNo } = reconcileWithTotal(
    ocr.lines.map((line) => correctOcrLine(line.text)),
  );
  const text = texts.join('\n');
  const firstItemLine = Math.min(...parsed.itemLines.map((lines) => Math.min(...lines)), texts.length + 1);
  const lines = parsed.items.map((item, index) => {
    const sources = (parsed.itemLines[index] ?? [])
      .map((lineNo) => ocr.lines[lineNo - 1])
      .filter((line) => line !== undefined);
    const read = sources.length === 0 ? 0 : Math.min(...sources.map((line) => line.confidence)) / 100;
    // A digit corrected to match the subtotal is a guess the shopper should check.
    const corrected = correctedLineNo !== undefined && parsed.itemLines[index]?.includes(correctedLineNo);
    const confidence = corrected ? Math.min(read, CORRECTED_CONFIDENCE) : read;
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

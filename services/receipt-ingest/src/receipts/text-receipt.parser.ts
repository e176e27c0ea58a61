/**
 * Turns a plain-text receipt (pasted, or the body of an e-mail) into line items. Receipts differ in
 * layout, so the parser reads line by line with a small set of patterns seen on real till slips:
 * `NAME   3.99 F`, a quantity line (`2 @ 1.50`, `2 x 0,99`, `QTY 2`), a weight line
 * (`1.25 kg @ 1.99/kg`), discount lines (`SAVINGS 0.50-`, `Rabatt -0,30`) that reduce the item
 * above, and subtotal/total/tax/payment lines. Lines it cannot interpret inside the item area are
 * kept as `unparsedLines` for review; `confidence` falls with each of them and when the items do not
 * add up to the printed subtotal or total.
 */
import { completeItem, type NormalizedItem, type QuantityUnit } from './normalized-receipt.js';

export interface ParsedTextReceipt {
  items: NormalizedItem[];
  unparsedLines: Array<{ lineNo: number; text: string }>;
  /** 0..1 */
  confidence: number;
  purchasedAt?: Date | undefined;
  subtotalCents?: number | undefined;
  taxCents?: number | undefined;
  totalCents?: number | undefined;
  /** For each item, the 1-based numbers of the text lines it was read from (photo drafts map them to the image). */
  itemLines: number[][];
}

// A money amount: optional currency sign, digits with a 2-digit fraction ('.' or ','), optional trailing '-'.
const AMOUNT = String.raw`(-)?\s?[$£€]?\s?(\d{1,6}(?:[.,']\d{3})*[.,]\d{2})(-)?`;
const TAX_FLAG = String.raw`(?:\s*(?:[A-Z]{1,2}|\*|[A-Z]\*)|\s+\d)?`;
const PRICED_LINE = new RegExp(String.raw`^(.*?\S)\s+${AMOUNT}${TAX_FLAG}\s*$`);
const ONLY_AMOUNT = new RegExp(String.raw`^\s*${AMOUNT}${TAX_FLAG}\s*$`);
const QUANTITY_LINE = new RegExp(
  String.raw`^\s*(?:QTY\s*)?(\d{1,4})\s*(?:STK|ST|PCS|EA)?\s*(?:@|x|X|×|\*)\s*[$£€]?\s?(\d{1,6}[.,]\d{2})\s*(?:EUR|USD|GBP)?(?:\s*(?:EA|ea|each|/\s*ea))?(?:\s+${AMOUNT}${TAX_FLAG})?\s*$`,
  'i',
);
const WEIGHT_LINE = new RegExp(
  String.raw`^\s*(?:(?:WT|NET)\s+)?(\d{1,4}[.,]\d{1,3})\s*(kg|g|lb|lbs|oz)\s*(?:@|x|X|×|\*)\s*[$£€]?\s?(\d{1,6}[.,]\d{2})\s*(?:EUR|USD|GBP)?\s*/\s*(?:kg|lb|g|oz)(?:\s+${AMOUNT}${TAX_FLAG})?\s*$`,
  'i',
);
const DISCOUNT_WORDS =
  /\b(sav(?:e|ed|ings?)|discount|coupon|rabatt|promo|off|rebate|clubcard price|member price|bonus|nachlass|instant savings|sc\b)/i;
const REGULAR_PRICE_WORDS = /^\s*(regular price|reg price|reg\.? price|was)\b/i;
const SUBTOTAL_WORDS = /^\s*(sub[\s-]?total|zwischensumme|net total)\b/i;
const TOTAL_WORDS =
  /^\s*(\*+\s*)?(total|balance due|amount due|summe|gesamt|total to pay|to pay|balance to pay|grand total|zu zahlen)\b/i;
const TAX_WORDS = /^\s*(sales\s+)?(tax|mwst|vat|gst|hst|ust)\b|\btax\s+\d/i;
const PAYMENT_WORDS =
  /\b(visa|mastercard|master card|amex|debit|credit|cash|change|tend(?:er)?|ec[- ]karte|girocard|gegeben|r[üu]ckgeld|card|payment|paid|contactless|approved|auth|balance)\b/i;
const NOISE_WORDS =
  /\b(thank|welcome|cashier|kasse|bon|store\s*#|st#|tel|phone|receipt|items sold|item count|items in transaction|artikel|www\.|http|\.com|survey|member|visit|open\s|hours|manager|op#|te#|tr#|reg|terminal|invoice|served by|your savings|total savings|you saved today|return policy)\b/i;
const SEPARATOR = /^[\s=*\-_#.~]+$/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DATE_PATTERNS: Array<{ pattern: RegExp; toIso(match: RegExpExecArray): string | undefined }> = [
  {
    // 2026-11-21 14:03
    pattern: /(\d{4})-(\d{2})-(\d{2})(?:[ T]\D{0,16}?(\d{1,2}):(\d{2}))?/,
    toIso: (m) => isoOf(m[1], m[2], m[3], m[4], m[5]),
  },
  {
    // 11/21/2026 2:03 PM, 11/21/26
    pattern: /\b(\d{1,2})\/(\d{1,2})\/(\d{2,4})(?:\s+\D{0,16}?(\d{1,2}):(\d{2})(?::\d{2})?\s*(AM|PM)?)?/i,
    // Day first when the first number cannot be a month (21/11/26).
    toIso: (m) =>
      Number(m[1]) > 12
        ? isoOf(year(m[3]), m[2], m[1], hour12(m[4], m[6]), m[5])
        : isoOf(year(m[3]), m[1], m[2], hour12(m[4], m[6]), m[5]),
  },
  {
    // 21.11.2026 14:03 (day first)
    pattern: /\b(\d{1,2})\.(\d{1,2})\.(\d{2,4})(?:\s+\D{0,16}?(\d{1,2}):(\d{2}))?/,
    toIso: (m) => isoOf(year(m[3]), m[2], m[1], m[4], m[5]),
  },
  {
    // November 21, 2026 5:12 PM
    pattern:
      /\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})(?:\s+\D{0,16}?(\d{1,2}):(\d{2})\s*(AM|PM)?)?/i,
    toIso: (m) =>
      isoOf(
        m[3],
        String(MONTHS.indexOf((m[1] ?? '').slice(0, 3).toLowerCase()) + 1),
        m[2],
        hour12(m[4], m[6]),
        m[5],
      ),
  },
];
// Dates on these lines are not the purchase date (return deadlines, coupon expiry).
const NOT_PURCHASE_DATE = /\b(return|expires?|valid|through|until|bis)\b/i;

function year(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  return text.length === 2 ? `20${text}` : text;
}

function hour12(hour: string | undefined, meridiem: string | undefined): string | undefined {
  if (hour === undefined || meridiem === undefined) return hour;
  const value = Number(hour) % 12;
  return String(meridiem.toUpperCase() === 'PM' ? value + 12 : value);
}

function isoOf(
  y: string | undefined,
  m: string | undefined,
  d: string | undefined,
  hh: string | undefined,
  mm: string | undefined,
): string | undefined {
  if (!y || !m || !d) return undefined;
  const month = Number(m);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${y}-${pad(month)}-${pad(day)}T${pad(Number(hh ?? 0))}:${pad(Number(mm ?? 0))}:00Z`;
}

/** "1,234.56", "1.234,56", "3,99", "3.99" -> cents. */
export function amountToCents(text: string): number {
  const digits = text.replace(/[^\d]/g, '');
  return Number(digits);
}

function signedAmount(match: RegExpExecArray, at: number): number {
  const cents = amountToCents(match[at + 1] ?? '0');
  return match[at] === '-' || match[at + 2] === '-' ? -cents : cents;
}

function decimalToMilli(text: string): number {
  const [whole = '0', fraction = ''] = text.replace(',', '.').split('.');
  return Number(whole) * 1000 + Number(fraction.padEnd(3, '0').slice(0, 3));
}

const WEIGHT_UNITS: Record<string, QuantityUnit> = { kg: 'kg', g: 'g', lb: 'lb', lbs: 'lb', oz: 'oz' };

const GTIN_IN_NAME = /\s+(\d{8}|\d{12,14})(?=\s|$)/;
const LEADING_CODE = /^(?:E\s+)?\d{4,7}\s+(?=\D)/;

interface Draft {
  name: string;
  gtin?: string | undefined;
  quantityMilli: number;
  unit: QuantityUnit;
  unitPriceCents?: number | undefined;
  regularPriceCents?: number | undefined;
  paidCents: number;
  discountCents: number;
  lineCount: number;
  lineNos: number[];
}

function cleanName(raw: string): { name: string; gtin?: string | undefined } {
  let name = raw.trim().replace(LEADING_CODE, '').trim();
  let gtin: string | undefined;
  const code = GTIN_IN_NAME.exec(name);
  if (code?.[1]) {
    gtin = code[1];
    name = (name.slice(0, code.index) + name.slice(code.index + code[0].length)).trim();
  }
  name = name
    .replace(/[\s.]{3,}$/, '')
    .replace(/\s+[A-Z]$/, '')
    .replace(/\s{2,}/g, ' ');
  return { name, gtin };
}

function parseDate(line: string): Date | undefined {
  for (const { pattern, toIso } of DATE_PATTERNS) {
    const match = pattern.exec(line);
    if (!match) continue;
    const iso = toIso(match);
    if (iso === undefined) continue;
    const date = new Date(iso);
    if (!Number.isNaN(date.getTime())) return date;
  }
  return undefined;
}

export function parseTextReceipt(text: string): ParsedTextReceipt {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const drafts: Draft[] = [];
  const unparsed: Array<{ lineNo: number; text: string }> = [];
  let purchasedAt: Date | undefined;
  let subtotalCents: number | undefined;
  let taxCents = 0;
  let sawTax = false;
  let totalCents: number | undefined;
  let inTotals = false;
  let pendingName: { text: string; lineNo: number } | undefined;
  let pendingQuantity: { milli: number; unitPriceCents: number; lineNo: number } | undefined;
  let interpretedLines = 0;
  let currentLine = 0;

  const flushPendingName = () => {
    // Unpriced lines before the first item are the header (store, address), not lost items.
    if (pendingName && drafts.length > 0)
      unparsed.push({ lineNo: pendingName.lineNo, text: pendingName.text });
    pendingName = undefined;
  };

  const addItem = (rawName: string, paidCents: number, extra: Partial<Draft> = {}) => {
    const { name, gtin } = cleanName(rawName);
    const draft: Draft = {
      name,
      gtin,
      quantityMilli: 1000,
      unit: 'ea',
      paidCents,
      discountCents: 0,
      lineCount: 1,
      ...extra,
      lineNos: extra.lineNos ?? [currentLine],
    };
    if (pendingQuantity && extra.quantityMilli === undefined) {
      const expected = Math.round((pendingQuantity.milli * pendingQuantity.unitPriceCents) / 1000);
      if (expected === paidCents) {
        draft.quantityMilli = pendingQuantity.milli;
        draft.unitPriceCents = pendingQuantity.unitPriceCents;
        draft.lineCount += 1;
        draft.lineNos = [pendingQuantity.lineNo, ...draft.lineNos];
      }
    }
    pendingQuantity = undefined;
    drafts.push(draft);
  };

  lines.forEach((rawLine, index) => {
    const lineNo = index + 1;
    currentLine = lineNo;
    const line = rawLine.replace(/\t/g, '    ').trimEnd();
    if (line.trim() === '' || SEPARATOR.test(line)) return;

    const date = parseDate(line);
    if (date && NOT_PURCHASE_DATE.test(line)) return;
    if (date && !PRICED_LINE.test(line.replace(/\d{1,2}[./]\d{1,2}[./]\d{2,4}/, ''))) {
      purchasedAt ??= date;
      return;
    }

    if (SUBTOTAL_WORDS.test(line)) {
      const match = PRICED_LINE.exec(line);
      if (match) subtotalCents = signedAmount(match, 2);
      inTotals = true;
      flushPendingName();
      return;
    }
    if (TAX_WORDS.test(line) && drafts.length > 0) {
      const match = PRICED_LINE.exec(line);
      if (match) {
        taxCents += signedAmount(match, 2);
        sawTax = true;
      }
      inTotals = true;
      flushPendingName();
      return;
    }
    if (TOTAL_WORDS.test(line) && drafts.length > 0) {
      const match = PRICED_LINE.exec(line);
      if (match && totalCents === undefined) totalCents = signedAmount(match, 2);
      inTotals = true;
      flushPendingName();
      return;
    }
    if (inTotals) return; // payment, change, footer
    if (PAYMENT_WORDS.test(line) && drafts.length > 0 && !DISCOUNT_WORDS.test(line)) return;

    const weight = WEIGHT_LINE.exec(line);
    if (weight) {
      const milli = decimalToMilli(weight[1] ?? '0');
      const unit = WEIGHT_UNITS[(weight[2] ?? '').toLowerCase()] ?? 'kg';
      const unitPriceCents = amountToCents(weight[3] ?? '0');
      const hasTotal = weight[5] !== undefined;
      const computed = Math.round((milli * unitPriceCents) / 1000);
      if (pendingName && hasTotal) {
        addItem(pendingName.text, signedAmount(weight, 4), {
          quantityMilli: milli,
          unit,
          unitPriceCents,
          lineCount: 2,
          lineNos: [pendingName.lineNo, lineNo],
        });
        pendingName = undefined;
        interpretedLines += 2;
        return;
      }
      if (pendingName) {
        addItem(pendingName.text, computed, {
          quantityMilli: milli,
          unit,
          unitPriceCents,
          lineCount: 2,
          lineNos: [pendingName.lineNo, lineNo],
        });
        pendingName = undefined;
        interpretedLines += 2;
        return;
      }
      const last = drafts.at(-1);
      if (last && !hasTotal && Math.abs(computed - last.paidCents) <= 1) {
        Object.assign(last, { quantityMilli: milli, unit, unitPriceCents, lineCount: last.lineCount + 1 });
        last.lineNos.push(lineNo);
        interpretedLines += 1;
        return;
      }
    }

    const quantity = QUANTITY_LINE.exec(line);
    if (quantity) {
      const milli = Number(quantity[1]) * 1000;
      const unitPriceCents = amountToCents(quantity[2] ?? '0');
      const hasTotal = quantity[4] !== undefined;
      const computed = (milli / 1000) * unitPriceCents;
      if (pendingName) {
        addItem(pendingName.text, hasTotal ? signedAmount(quantity, 3) : computed, {
          quantityMilli: milli,
          unitPriceCents,
          lineCount: 2,
          lineNos: [pendingName.lineNo, lineNo],
        });
        pendingName = undefined;
        interpretedLines += 2;
        return;
      }
      const last = drafts.at(-1);
      if (
        last &&
        last.quantityMilli === 1000 &&
        last.unitPriceCents === undefined &&
        computed === last.paidCents
      ) {
        Object.assign(last, { quantityMilli: milli, unitPriceCents, lineCount: last.lineCount + 1 });
        last.lineNos.push(lineNo);
        interpretedLines += 1;
        return;
      }
      if (!hasTotal) {
        pendingQuantity = { milli, unitPriceCents, lineNo };
        interpretedLines += 1;
        return;
      }
    }

    const priced = PRICED_LINE.exec(line);
    if (priced && REGULAR_PRICE_WORDS.test(priced[1] ?? '') && drafts.length > 0) {
      const last = drafts.at(-1) as Draft;
      last.regularPriceCents = Math.abs(signedAmount(priced, 2));
      last.lineCount += 1;
      last.lineNos.push(lineNo);
      interpretedLines += 1;
      return;
    }
    // A discount names itself, or is a bare negative amount under the item (`347234 / 1234567  3.00-`).
    const isNegative = priced !== null && signedAmount(priced, 2) < 0;
    const looksLikeDiscount =
      priced !== null &&
      (DISCOUNT_WORDS.test(priced[1] ?? '') || (isNegative && !/[A-Za-zÀ-ÿ]{2}/.test(priced[1] ?? '')));
    if (priced && looksLikeDiscount && drafts.length > 0) {
      // Under a line that is no item (its price unreadable), the discount's item is unknown: not the one above.
      if (pendingName) {
        flushPendingName();
        unparsed.push({ lineNo, text: line.trim() });
        return;
      }
      const last = drafts.at(-1) as Draft;
      const cents = Math.abs(signedAmount(priced, 2));
      last.discountCents += cents;
      last.paidCents -= cents;
      last.lineCount += 1;
      last.lineNos.push(lineNo);
      interpretedLines += 1;
      return;
    }
    if (priced) {
      const label = priced[1] ?? '';
      // A price alone on its line belongs to the name on the line above.
      if (ONLY_AMOUNT.test(line) && pendingName) {
        addItem(pendingName.text, signedAmount(priced, 2), {
          lineCount: 2,
          lineNos: [pendingName.lineNo, lineNo],
        });
        pendingName = undefined;
        interpretedLines += 2;
        return;
      }
      if (NOISE_WORDS.test(label) || !/[A-Za-zÀ-ÿ]{2}/.test(label)) {
        if (drafts.length > 0) unparsed.push({ lineNo, text: line.trim() });
        return;
      }
      flushPendingName();
      // `2  ORGANIC EGGS  4.99  9.98`: leading count, unit price, line total.
      const columns = /^\s*(\d{1,3})\s+(.*?\S)\s+[$£€]?(\d{1,6}[.,]\d{2})$/.exec(label);
      if (columns) {
        const milli = Number(columns[1]) * 1000;
        const unitPriceCents = amountToCents(columns[3] ?? '0');
        const paid = signedAmount(priced, 2);
        if ((milli / 1000) * unitPriceCents === paid) {
          addItem(columns[2] ?? '', paid, { quantityMilli: milli, unitPriceCents });
          interpretedLines += 1;
          return;
        }
      }
      // `2 COLGATE TOOTHPASTE  9.98`: a leading count and the line total.
      const counted = /^\s*([1-9]\d?)\s+(?=[A-Za-z])(.*)$/.exec(label);
      if (counted) {
        const count = Number(counted[1]);
        const paid = signedAmount(priced, 2);
        addItem(counted[2] ?? '', paid, {
          quantityMilli: count * 1000,
          unitPriceCents: Math.round(paid / count),
        });
        interpretedLines += 1;
        return;
      }
      addItem(label, signedAmount(priced, 2));
      interpretedLines += 1;
      return;
    }

    // No price on the line: header text before the items, or a name whose price follows.
    if (drafts.length === 0 && !pendingName && NOISE_WORDS.test(line)) return;
    if (NOISE_WORDS.test(line)) {
      flushPendingName();
      return;
    }
    if (drafts.length === 0 && pendingName) {
      // Still in the header: the previous unpriced line was a header line, not an item name.
      pendingName = { text: line.trim(), lineNo };
      return;
    }
    flushPendingName();
    pendingName = { text: line.trim(), lineNo };
  });
  if (pendingName && drafts.length > 0) flushPendingName();

  const kept = drafts.filter((draft) => draft.name.length > 0);
  const items = kept.map((draft) =>
    completeItem({
      name: draft.name,
      gtin: draft.gtin,
      quantityMilli: draft.quantityMilli,
      unit: draft.unit,
      unitPriceCents:
        draft.unitPriceCents ??
        Math.round(((draft.paidCents + draft.discountCents) * 1000) / draft.quantityMilli),
      paidCents: draft.paidCents,
      regularPriceCents: draft.regularPriceCents,
      discountCents: draft.discountCents,
    }),
  );

  const itemsTotal = items.reduce((sum, item) => sum + item.paidCents, 0);
  const reference =
    subtotalCents ?? (totalCents === undefined ? undefined : totalCents - (sawTax ? taxCents : 0));
  let confidence = 0;
  if (items.length > 0) {
    const interpreted = Math.max(interpretedLines, items.length);
    confidence = interpreted / (interpreted + unparsed.length);
    if (reference === undefined) confidence *= 0.8;
    else if (reference !== itemsTotal) confidence *= 0.5;
  }
  return {
    items,
    unparsedLines: unparsed,
    confidence: Math.round(confidence * 100) / 100,
    purchasedAt,
    subtotalCents,
    taxCents: sawTax ? taxCents : undefined,
    totalCents,
    itemLines: kept.map((draft) => draft.lineNos),
  };
}

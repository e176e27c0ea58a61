/**
 * Locale-aware parsing of prices as pages print them: "1.226,50 €", "$1,226.50", "CHF 1'226.50",
 * "12,99", "1 226,50 zł". Structured data (JSON-LD, microdata content, OpenGraph) uses a plain decimal
 * point and goes through `parseDecimalPrice` instead.
 */

const symbols: [RegExp, string][] = [
  [/€|\bEUR\b/i, 'EUR'],
  [/£|\bGBP\b/i, 'GBP'],
  [/\bCHF\b/i, 'CHF'],
  [/\bzł|\bPLN\b/i, 'PLN'],
  [/\bkr\b|\bSEK\b/i, 'SEK'],
  [/C\$|\bCAD\b/i, 'CAD'],
  [/A\$|\bAUD\b/i, 'AUD'],
  [/¥|\bJPY\b/i, 'JPY'],
  [/\$|\bUSD\b/i, 'USD'],
];

export function currencyIn(text: string): string | undefined {
  return symbols.find(([pattern]) => pattern.test(text))?.[1];
}

function toCents(whole: string, fraction: string): number | undefined {
  if (!/^\d+$/.test(whole) || !/^\d*$/.test(fraction) || whole.length > 13) return undefined;
  const cents = Number(whole) * 100 + Math.round(Number(`0.${fraction || '0'}`) * 100);
  return Number.isSafeInteger(cents) ? cents : undefined;
}

/** "12.5", "12.50", 12.5 -> 1250 (schema.org prices use a decimal point and no grouping). */
export function parseDecimalPrice(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  return match ? toCents(match[1] ?? '', match[2] ?? '') : undefined;
}

/** A displayed price -> cents and the currency printed with it (if any); undefined when no price. */
export function parsePriceText(text: string): { cents: number; currency: string | undefined } | undefined {
  const number = /\d[\d.,'’\s\u00a0\u202f]*/.exec(text)?.[0]?.replace(/[\s\u00a0\u202f'’]+$/g, '');
  if (!number) return undefined;
  const compact = number.replace(/[\s\u00a0\u202f'’]/g, '');
  const lastDot = compact.lastIndexOf('.');
  const lastComma = compact.lastIndexOf(',');
  let decimalSeparator: '.' | ',' | undefined;
  if (lastDot >= 0 && lastComma >= 0) {
    decimalSeparator = lastDot > lastComma ? '.' : ',';
  } else if (lastDot >= 0 || lastComma >= 0) {
    const separator = lastDot >= 0 ? '.' : ',';
    const occurrences = compact.split(separator).length - 1;
    const digitsAfter = compact.length - compact.lastIndexOf(separator) - 1;
    // One separator followed by exactly three digits is grouping ("1.226" = 1226); otherwise decimal.
    decimalSeparator = occurrences === 1 && digitsAfter !== 3 ? separator : undefined;
  }
  let whole = compact;
  let fraction = '';
  if (decimalSeparator) {
    const index = compact.lastIndexOf(decimalSeparator);
    whole = compact.slice(0, index);
    fraction = compact.slice(index + 1);
  }
  whole = whole.replace(/[.,]/g, '');
  const cents = toCents(whole, fraction);
  return cents === undefined ? undefined : { cents, currency: currencyIn(text) };
}

/** Display formatting: money from integer minor units, dates, percentages, pack sizes. */

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** `formatMoney(1299, 'USD')` -> `$12.99` (the currency's own number of minor digits). */
export function formatMoney(cents: number, currency: string): string {
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    moneyFormats.set(currency, format);
  }
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(cents / 10 ** digits);
}

export function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatPercent(pct: number | null | undefined): string {
  if (pct === null || pct === undefined) return '–';
  return `${pct > 0 ? '+' : ''}${pct.toFixed(1)} %`;
}

/** `453.59237 g` -> `453.6 g`: canonical sizes converted from ounces carry more digits than anyone reads. */
export function formatSize(size: { value: number; unit: string } | null): string {
  return size ? `${Math.round(size.value * 10) / 10} ${size.unit}` : '';
}

/** First instant of the current UTC month and of the next, as ISO strings (the stats API is UTC). */
export function currentMonthRange(now = new Date()): { from: string; to: string } {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { from: from.toISOString(), to: to.toISOString() };
}

/** The UTC date `days` days before now, as `YYYY-MM-DD`. */
export function daysAgo(days: number, now = new Date()): string {
  return new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
}

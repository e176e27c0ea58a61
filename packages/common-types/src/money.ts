/**
 * Money is an integer number of minor units (cents) plus an ISO-4217 currency. Never a float.
 * JSON carries minor units as a safe integer; Postgres stores them as bigint.
 */
import { z } from 'zod';

export const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'ISO-4217 code, three upper-case letters')
  .describe('ISO-4217 currency code');
export type Currency = z.infer<typeof Currency>;

/** Any amount the API answers with (sums included): a safe integer. Inputs use the bounded AmountCents. */
export const MinorUnits = z
  .number()
  .int()
  .min(-Number.MAX_SAFE_INTEGER)
  .max(Number.MAX_SAFE_INTEGER)
  .describe('Amount in integer minor units (cents)');

/**
 * The largest magnitude of one amount, given or computed: a price, a line (quantity x price), a discount,
 * a receipt, cart or order total. 10^11 minor units (a billion in a currency with cents) is far beyond
 * any real basket, and keeps every sum of up to 90,000 amounts (a user's spend over a year of receipts,
 * a page of stats) below Number.MAX_SAFE_INTEGER (~9.007 x 10^15) and so below Postgres bigint. Inputs
 * beyond it are 400 VALIDATION_FAILED; computed lines and totals are checked against it too.
 */
export const MAX_AMOUNT_CENTS = 100_000_000_000;

/** An amount a client sends: integer minor units within ±MAX_AMOUNT_CENTS. */
export const AmountCents = z
  .number()
  .int()
  .min(-MAX_AMOUNT_CENTS)
  .max(MAX_AMOUNT_CENTS)
  .describe('Amount in integer minor units (cents), at most 10^11 in magnitude');

/** True for an integer amount within ±MAX_AMOUNT_CENTS: the check for computed lines and totals. */
export function isAmountInRange(cents: number): boolean {
  return Number.isSafeInteger(cents) && Math.abs(cents) <= MAX_AMOUNT_CENTS;
}

export const Money = z.object({ amountCents: MinorUnits, currency: Currency });
export type Money = z.infer<typeof Money>;

/** Formats minor units for humans, e.g. 399 USD -> "$3.99". Display only; never parse this back. */
export function formatMoney(money: Money, locale = 'en-US'): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency: money.currency }).format(
    money.amountCents / 100,
  );
}

/**
 * Parses a decimal money string ("3.99", "-0.5", "12") into minor units without floating-point
 * error. Returns undefined for anything that is not a plain decimal with at most two fraction digits.
 */
export function parseMinorUnits(text: string): number | undefined {
  const match = /^(-)?(\d{1,13})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, sign, whole = '0', fraction = ''] = match;
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return sign ? -cents : cents;
}

import { describe, expect, it } from 'vitest';
import {
  AmountCents,
  formatMoney,
  isAmountInRange,
  MAX_AMOUNT_CENTS,
  Money,
  parseMinorUnits,
} from '../src/money.js';

describe('money', () => {
  it.each([
    ['3.99', 399],
    ['0.1', 10],
    ['12', 1200],
    ['-0.5', -50],
    [' 1234.05 ', 123405],
  ])('parses %j into %d cents without float error', (text, cents) => {
    expect(parseMinorUnits(text)).toBe(cents);
  });

  it.each(['3.999', 'abc', '', '1e3', '3,99', '--1'])('rejects %j', (text) => {
    expect(parseMinorUnits(text)).toBeUndefined();
  });

  it('only accepts integer minor units and ISO currencies', () => {
    expect(Money.safeParse({ amountCents: 399, currency: 'USD' }).success).toBe(true);
    expect(Money.safeParse({ amountCents: 3.99, currency: 'USD' }).success).toBe(false);
    expect(Money.safeParse({ amountCents: 399, currency: 'usd' }).success).toBe(false);
  });

  it('bounds amounts so that sums of 90,000 of them stay safe integers', () => {
    expect(Number.isSafeInteger(90_000 * MAX_AMOUNT_CENTS)).toBe(true);
    expect(AmountCents.safeParse(MAX_AMOUNT_CENTS).success).toBe(true);
    expect(AmountCents.safeParse(-MAX_AMOUNT_CENTS).success).toBe(true);
    expect(AmountCents.safeParse(MAX_AMOUNT_CENTS + 1).success).toBe(false);
    expect(AmountCents.safeParse(2 ** 52).success).toBe(false);
    expect(isAmountInRange(MAX_AMOUNT_CENTS)).toBe(true);
    expect(isAmountInRange(-MAX_AMOUNT_CENTS - 1)).toBe(false);
    expect(isAmountInRange(1e6 * MAX_AMOUNT_CENTS)).toBe(false);
    expect(isAmountInRange(0.5)).toBe(false);
  });

  it('formats for display', () => {
    expect(formatMoney({ amountCents: 399, currency: 'USD' })).toBe('$3.99');
  });
});

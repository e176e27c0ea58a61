import { describe, expect, it } from 'vitest';
import { parseDecimalPrice, parsePriceText } from './price-text.js';

describe('parsePriceText', () => {
  it.each([
    ['1.226,50 €', 122650, 'EUR'],
    ['€ 3,99', 399, 'EUR'],
    ['$1,226.50', 122650, 'USD'],
    ['CHF 1’226.50', 122650, 'CHF'],
    ['1 226,50 zł', 122650, 'PLN'],
    ['12,99', 1299, undefined],
    ['1.226 €', 122600, 'EUR'],
    ['£4', 400, 'GBP'],
    ['Price: 2.5 USD', 250, 'USD'],
  ])('reads %s', (text, cents, currency) => {
    expect(parsePriceText(text)).toEqual({ cents, currency });
  });

  it('finds no price in text without digits', () => {
    expect(parsePriceText('sold out')).toBeUndefined();
  });
});

describe('parseDecimalPrice', () => {
  it('reads schema.org decimals', () => {
    expect(parseDecimalPrice('1226.50')).toBe(122650);
    expect(parseDecimalPrice(3.99)).toBe(399);
    expect(parseDecimalPrice('1,226.50')).toBeUndefined();
  });
});

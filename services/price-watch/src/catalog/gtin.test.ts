import { describe, expect, it } from 'vitest';
import { displayGtin, gtinCheckDigit, normalizeGtin } from './gtin.js';

describe('normalizeGtin', () => {
  it('maps the UPC-A, EAN-13 and GTIN-14 forms of one item to the same key', () => {
    expect(normalizeGtin('036000291452')).toBe('00036000291452');
    expect(normalizeGtin('0036000291452')).toBe('00036000291452');
    expect(normalizeGtin('00036000291452')).toBe('00036000291452');
  });

  it('accepts EAN-13 and EAN-8 codes with valid check digits', () => {
    expect(normalizeGtin('4006381333931')).toBe('04006381333931');
    expect(normalizeGtin('96385074')).toBe('00000096385074');
  });

  it('rejects a wrong check digit, wrong lengths, non-digits and all zeros', () => {
    expect(normalizeGtin('036000291453')).toBeUndefined();
    expect(normalizeGtin('12345')).toBeUndefined();
    expect(normalizeGtin('03600029145a')).toBeUndefined();
    expect(normalizeGtin('00000000000000')).toBeUndefined();
  });

  it('computes GS1 check digits', () => {
    expect(gtinCheckDigit('03600029145')).toBe(2);
    expect(gtinCheckDigit('400638133393')).toBe(1);
  });

  it('displays the shortest common form', () => {
    expect(displayGtin('00036000291452')).toBe('036000291452');
    expect(displayGtin('04006381333931')).toBe('4006381333931');
    expect(displayGtin('10036000291459')).toBe('10036000291459');
  });
});

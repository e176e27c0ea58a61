/** The scanner never turns a misread into a search: only digits with a valid GS1 check digit pass. */
import { describe, expect, it } from 'vitest';
import { validGtin } from '../src/scanner/decode';

describe('validGtin', () => {
  it('keeps EAN-13, EAN-8, UPC-A and GTIN-14 with a valid check digit', () => {
    for (const code of ['4006381333931', '96385074', '036000291452', '10036000291459'])
      expect(validGtin(code)).toBe(code);
  });

  it('refuses a wrong check digit, other lengths and anything but digits', () => {
    for (const code of ['4006381333932', '03600029145', '4006381333931x', '', 'ABCDEFGHIJKLM'])
      expect(validGtin(code)).toBeNull();
  });
});

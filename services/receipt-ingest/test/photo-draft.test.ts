/** The OCR text fixes and store recognition of photo drafts (no OCR engine needed). */
import { describe, expect, it } from 'vitest';
import { correctOcrLine, currencyOf, recognizeStore } from '../src/receipts/photo/photo-draft.js';

describe('correctOcrLine', () => {
  it('undoes OCR confusions that break the receipt patterns', () => {
    expect(correctOcrLine('2.31 1b @ 0.59 /1b           1.36 F')).toBe('2.31 lb @ 0.59 /lb           1.36 F');
    expect(correctOcrLine('CHEERIOS 180Z                  5.99 F')).toBe(
      'CHEERIOS 18OZ                  5.99 F',
    );
    expect(correctOcrLine('1 CVS IBUPROFEN 200MG 100CT     9.498')).toBe(
      '1 CVS IBUPROFEN 200MG 100CT     9.49 8',
    );
    expect(correctOcrLine('Heirloom tomatoes veessnes 6.50')).toBe('Heirloom tomatoes 6.50');
    expect(correctOcrLine('Sourdough boule ciesriens, 8.00')).toBe('Sourdough boule 8.00');
  });

  it('leaves well-read lines alone', () => {
    for (const line of [
      'SUBTOTAL       23.76',
      'SIMPLE TRUTH EGGS 12CT         4.29 F',
      'KS WATER 40PK   4.49 E',
    ]) {
      expect(correctOcrLine(line)).toBe(line);
    }
  });
});

describe('recognizeStore', () => {
  const stores = [
    { slug: 'whole-foods', name: 'Whole Foods', locations: [] },
    { slug: 'whole-foods-market', name: 'Whole Foods Market', locations: [] },
    {
      slug: 'kroger',
      name: 'Kroger',
      locations: [{ id: '00000000-0000-4000-8000-000000000001', addressLine: '1014 Vine St' }],
    },
  ];

  it('knows a store by a location address anywhere on the receipt', () => {
    expect(recognizeStore(['THANKS', '1014 VINE ST, CINCINNATI OH'], 1, stores)).toEqual({
      storeSlug: 'kroger',
      locationId: '00000000-0000-4000-8000-000000000001',
      storeMatchedBy: 'address',
    });
  });

  it('knows a store by its name in the header, the longest name first', () => {
    expect(recognizeStore(['WHOLE FOODS MARKET', 'AUSTIN TX'], 2, stores)).toMatchObject({
      storeSlug: 'whole-foods-market',
      storeMatchedBy: 'name',
    });
    // A name below the header (an item line) is not the store.
    expect(recognizeStore(['CORNER SHOP', 'KROGER MILK 1.00'], 1, stores).storeSlug).toBeNull();
  });

  it('reads the currency from its sign', () => {
    expect(currencyOf('SUMME EUR 15,78', 'USD')).toBe('EUR');
    expect(currencyOf('TOTAL £12.00', 'USD')).toBe('GBP');
    expect(currencyOf('TOTAL 12.00', 'CAD')).toBe('CAD');
  });
});

/** The OCR text fixes and store recognition of photo drafts (no OCR engine needed). */
import { describe, expect, it } from 'vitest';
import {
  buildDraft,
  CORRECTED_CONFIDENCE,
  correctOcrLine,
  currencyOf,
  recognizeStore,
  reconcileWithTotal,
} from '../src/receipts/photo/photo-draft.js';

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

  it('reads weight lines whose `@` or `/lb` came out wrong', () => {
    expect(correctOcrLine('2.31 lb # 0.59 /lb          1.36 F')).toBe('2.31 lb @ 0.59 /lb          1.36 F');
    expect(correctOcrLine('1.87 lb # 1.99 /)b         3.72 B')).toBe('1.87 lb @ 1.99 /lb         3.72 B');
    expect(correctOcrLine('2.31 lb @ 0.59 /b           1.36 F')).toBe('2.31 lb @ 0.59 /lb           1.36 F');
  });

  it('reads amounts with a letter for a digit, a misread minus and a flag read with a digit', () => {
    expect(correctOcrLine('Sourdough boule 8.0O')).toBe('Sourdough boule 8.00');
    expect(correctOcrLine('Sourdough boule B.00')).toBe('Sourdough boule 8.00');
    expect(correctOcrLine('Rabatt                      «2,00 A')).toBe('Rabatt                      -2,00 A');
    expect(correctOcrLine('BROETCHEN                   1,80 8B')).toBe('BROETCHEN                   1,80 B');
    expect(correctOcrLine('BANANAS       00000004011] F    1.24 N')).toBe(
      'BANANAS       000000040111 F    1.24 N',
    );
  });

  it('drops a dot leader read as one made-up word before the price', () => {
    expect(correctOcrLine('Heirloom tomatoes “risen, 6.50')).toBe('Heirloom tomatoes 6.50');
    expect(correctOcrLine('Sweet corn (6) *trreniea., 4.00')).toBe('Sweet corn (6) 4.00');
    expect(correctOcrLine('Honey 16oz Ptevesisninen,. 9.00')).toBe('Honey 16oz 9.00');
  });

  it('leaves well-read lines alone', () => {
    for (const line of [
      'SUBTOTAL       23.76',
      'SIMPLE TRUTH EGGS 12CT         4.29 F',
      'KS WATER 40PK   4.49 E',
      'ORG. BANANAS    1.99 F',
      'St. Agur blue   4.50',
      'OLIVE OIL, EXTRA VIRGIN 1L   8.99',
      'TOTAL NUMBER OF ITEMS SOLD =    5',
      'SOUP MIX BOS    2.49',
      'Honey 16oz — 9.00',
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

  it('knows a store location by its telephone number, however the receipt writes it', () => {
    const withPhone = [
      ...stores,
      {
        slug: 'marios',
        name: "Mario's Italian Deli",
        locations: [
          { id: '00000000-0000-4000-8000-000000000002', addressLine: null, phone: '+1 212-555-0188' },
          { id: '00000000-0000-4000-8000-000000000003', addressLine: null, phone: '(212) 555-0199' },
        ],
      },
    ];
    for (const printed of ['Tel 212-555-0188', 'TEL (212) 555 0188', '212.555.0188']) {
      expect(recognizeStore(['DELI & MARKET', printed], 1, withPhone)).toEqual({
        storeSlug: 'marios',
        locationId: '00000000-0000-4000-8000-000000000002',
        storeMatchedBy: 'phone',
      });
    }
    // Another number, or the digits spread over two lines, is no match.
    expect(recognizeStore(['DELI', 'Tel 212-555-0177'], 1, withPhone).storeSlug).toBeNull();
    expect(recognizeStore(['DELI 212', '555-0188'], 1, withPhone).storeSlug).toBeNull();
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

describe('reconcileWithTotal', () => {
  const tesco = [
    'TESCO',
    'PG TIPS 80 TEA BAGS            £2.50',
    'CLUBCARD PRICE                 -£0.50',
    'LOOSE CARROTS',
    '0.612 kg @ £0.60/kg            £6.37',
    'TOTAL                          £2.37',
  ];

  it('corrects the one digit that makes the items add up to the printed total, and says which line', () => {
    const result = reconcileWithTotal(tesco);
    expect(result.correctedLineNo).toBe(5);
    expect(result.texts[4]).toBe('0.612 kg @ £0.60/kg            £0.37');
    expect(result.parsed.items.map((item) => [item.name, item.paidCents])).toEqual([
      ['PG TIPS 80 TEA BAGS', 200],
      ['LOOSE CARROTS', 37],
    ]);
  });

  it('leaves the text as read when the items add up, when no total is printed, or when two fixes fit', () => {
    const addsUp = ['SHOP', 'MILK   1.45', 'BREAD   1.40', 'SUBTOTAL   2.85'];
    const unchanged = reconcileWithTotal(addsUp);
    expect(unchanged.texts).toBe(addsUp);
    expect(unchanged.correctedLineNo).toBeUndefined();
    const noTotal = ['SHOP', 'MILK   1.45', 'BREAD   1.40'];
    expect(reconcileWithTotal(noTotal).correctedLineNo).toBeUndefined();
    // 6.00 over: MILK 7.45 -> 1.45 and BREAD 7.40 -> 1.40 both fit (a 1 read as 7): not ours to choose.
    const twoFixes = ['SHOP', 'MILK   7.45', 'BREAD   7.40', 'SUBTOTAL   8.85'];
    const result = reconcileWithTotal(twoFixes);
    expect(result.correctedLineNo).toBeUndefined();
    expect(result.texts).toEqual(twoFixes);
  });

  it('marks the corrected line of a draft for review, and no other', () => {
    const box = { x0: 0, y0: 0, x1: 10, y1: 10 };
    const draft = buildDraft(
      { lines: tesco.map((text) => ({ text, confidence: 95, bbox: box })), confidence: 95 },
      { toRegion: () => ({ x: 0, y: 0, width: 1, height: 1 }), displayWidth: 10, displayHeight: 10 },
      [],
      'GBP',
    );
    expect(draft.lines.map((line) => [line.name, line.paidCents, line.confidence])).toEqual([
      ['PG TIPS 80 TEA BAGS', 200, 0.95],
      ['LOOSE CARROTS', 37, CORRECTED_CONFIDENCE],
    ]);
  });
});

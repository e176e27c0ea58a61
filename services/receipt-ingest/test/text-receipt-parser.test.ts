/**
 * The plain-text parser on real-world receipt layouts kept under test/fixtures/text-receipts: each
 * `<name>.txt` has a `<name>.expected.json` with the items it must yield, the lines it must leave
 * for review and the least confidence it must report.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTextReceipt } from '../src/receipts/text-receipt.parser.js';

interface Expected {
  purchasedAt?: string;
  minConfidence: number;
  unparsedLines: number[];
  items: Array<{
    name: string;
    gtin?: string;
    quantity: number;
    unit?: string;
    unitPriceCents: number;
    paidCents: number;
    regularPriceCents?: number;
    discountCents?: number;
  }>;
}

const folder = new URL('./fixtures/text-receipts/', import.meta.url);
const layouts = readdirSync(folder)
  .filter((file) => file.endsWith('.txt'))
  .map((file) => file.replace(/\.txt$/, ''));

describe('parseTextReceipt', () => {
  it('has at least ten layouts to read', () => {
    expect(layouts.length).toBeGreaterThanOrEqual(10);
  });

  it.each(layouts)('reads the items of the %s layout', (layout) => {
    const text = readFileSync(new URL(`${layout}.txt`, folder), 'utf8');
    const expected = JSON.parse(readFileSync(new URL(`${layout}.expected.json`, folder), 'utf8')) as Expected;
    const parsed = parseTextReceipt(text);
    expect(
      parsed.items.map((item) => ({
        name: item.name,
        ...(item.gtin === undefined ? {} : { gtin: item.gtin }),
        quantity: item.quantityMilli / 1000,
        unit: item.unit,
        unitPriceCents: item.unitPriceCents,
        paidCents: item.paidCents,
        ...(item.regularPriceCents === undefined ? {} : { regularPriceCents: item.regularPriceCents }),
        discountCents: item.discountCents,
      })),
    ).toEqual(expected.items.map((item) => ({ unit: 'ea', discountCents: 0, ...item })));
    expect(parsed.unparsedLines.map((line) => line.lineNo)).toEqual(expected.unparsedLines);
    expect(parsed.confidence).toBeGreaterThanOrEqual(expected.minConfidence);
    if (expected.purchasedAt) expect(parsed.purchasedAt?.toISOString()).toBe(expected.purchasedAt);
  });

  it('reports low confidence and keeps the lines when the items do not add up', () => {
    const parsed = parseTextReceipt(
      ['CORNER STORE', 'MILK   3.49', 'CRUMPLED ?? LINE', 'BREAD  2.00', 'TOTAL  9.99'].join('\n'),
    );
    expect(parsed.items.map((item) => item.name)).toEqual(['MILK', 'BREAD']);
    expect(parsed.unparsedLines).toEqual([{ lineNo: 3, text: 'CRUMPLED ?? LINE' }]);
    expect(parsed.confidence).toBeLessThan(0.5);
  });

  it('gives a discount under an unreadable line to no item, and keeps both lines for review', () => {
    const parsed = parseTextReceipt(
      [
        'REWE',
        'BROETCHEN   1,80 B',
        'KAFFEE CREMA 1KG   12,9 A',
        'Rabatt   -2,00 A',
        'SUMME  EUR  12,79',
      ].join('\n'),
    );
    expect(parsed.items.map((item) => [item.name, item.paidCents])).toEqual([['BROETCHEN', 180]]);
    expect(parsed.unparsedLines).toEqual([
      { lineNo: 3, text: 'KAFFEE CREMA 1KG   12,9 A' },
      { lineNo: 4, text: 'Rabatt   -2,00 A' },
    ]);
  });

  it('finds no items in text that is not a receipt', () => {
    const parsed = parseTextReceipt('Dear customer,\nthanks for your message.\nSee you soon');
    expect(parsed.items).toEqual([]);
    expect(parsed.confidence).toBe(0);
  });
});

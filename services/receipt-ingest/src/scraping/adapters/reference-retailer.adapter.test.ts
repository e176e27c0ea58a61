import { describe, expect, it } from 'vitest';
import { parseMoneyCents } from '../page-reading.js';
import { SyncError } from '../sync-error.js';
import { toNormalizedReceipt } from '../sync-runner.js';
import { type RawReferenceReceipt, ReferenceRetailerAdapter } from './reference-retailer.adapter.js';

const adapter = new ReferenceRetailerAdapter('http://127.0.0.1:1/');
const ref = { id: 'RR-7', url: 'http://127.0.0.1:1/account/orders/RR-7' };
const raw: RawReferenceReceipt = {
  orderId: 'RR-7',
  currency: 'USD',
  purchasedAt: '2026-10-07T15:30:00Z',
  total: '$1,006.26',
  lines: [
    {
      name: 'Honeycrisp Apples',
      gtin: null,
      quantity: '1.254',
      unit: 'kg',
      unitPrice: '$4.99',
      paid: '$6.26',
      regularPrice: '',
    },
    {
      name: 'Espresso Machine',
      gtin: '04006381333931',
      quantity: '1',
      unit: 'ea',
      unitPrice: '$1,100.00',
      paid: '$1,000.00',
      regularPrice: '$1,100.00',
    },
  ],
};

describe('parseMoneyCents', () => {
  it('reads dollar amounts, thousands separators and both ways of writing negatives', () => {
    expect(parseMoneyCents('$3.99', 'x')).toBe(399);
    expect(parseMoneyCents('$1,234.56', 'x')).toBe(123_456);
    expect(parseMoneyCents('-$0.50', 'x')).toBe(-50);
    expect(parseMoneyCents('0.50-', 'x')).toBe(-50);
    expect(parseMoneyCents('12', 'x')).toBe(1_200);
  });

  it('fails with PARSE_FAILED on anything else', () => {
    for (const text of [null, '', 'free', '$3.9', '-1.00-', '3,99']) {
      expect(() => parseMoneyCents(text, 'x')).toThrowError(SyncError);
    }
  });
});

describe('the reference retailer receipt', () => {
  it('becomes the normalized receipt of the import path, in cents', () => {
    const receipt = toNormalizedReceipt('reference-mart', adapter.parseReceipt(raw, ref), 'receipt RR-7');
    expect(receipt).toMatchObject({
      storeSlug: 'reference-mart',
      retailerReceiptId: 'RR-7',
      source: 'sync',
      currency: 'USD',
      totalCents: 100_626,
    });
    expect(receipt.purchasedAt.toISOString()).toBe('2026-10-07T15:30:00.000Z');
    expect(receipt.items).toEqual([
      expect.objectContaining({ name: 'Honeycrisp Apples', quantityMilli: 1254, unit: 'kg', paidCents: 626 }),
      expect.objectContaining({
        name: 'Espresso Machine',
        gtin: '04006381333931',
        unitPriceCents: 110_000,
        paidCents: 100_000,
        discountCents: 10_000,
      }),
    ]);
  });

  it('is PARSE_FAILED when the page shows another order, no lines or an unknown unit', () => {
    const parseFails = (changed: RawReferenceReceipt) => {
      try {
        toNormalizedReceipt('reference-mart', adapter.parseReceipt(changed, ref), 'receipt RR-7');
      } catch (error) {
        return error instanceof SyncError && error.code === 'PARSE_FAILED';
      }
      return false;
    };
    expect(parseFails({ ...raw, orderId: 'RR-8' })).toBe(true);
    expect(parseFails({ ...raw, lines: [] })).toBe(true);
    expect(parseFails({ ...raw, purchasedAt: null })).toBe(true);
    expect(parseFails({ ...raw, currency: null })).toBe(true);
    expect(
      parseFails({
        ...raw,
        lines: [{ ...(raw.lines[0] as RawReferenceReceipt['lines'][number]), unit: 'bushel' }],
      }),
    ).toBe(true);
    expect(parseFails(raw)).toBe(false);
  });
});

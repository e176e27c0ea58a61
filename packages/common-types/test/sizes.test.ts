import { describe, expect, it } from 'vitest';
import { fromCanonicalSize, parsePackSize, toCanonicalSize } from '../src/sizes.js';

describe('pack sizes', () => {
  it('converts every unit to its canonical unit', () => {
    expect(toCanonicalSize(16, 'oz')).toEqual({ value: 453.59237, unit: 'g' });
    expect(toCanonicalSize(1, 'lb')).toEqual({ value: 453.59237, unit: 'g' });
    expect(toCanonicalSize(1.5, 'kg')).toEqual({ value: 1500, unit: 'g' });
    expect(toCanonicalSize(12, 'fl_oz')).toEqual({ value: 354.882355, unit: 'ml' });
    expect(toCanonicalSize(2, 'l')).toEqual({ value: 2000, unit: 'ml' });
    expect(toCanonicalSize(6, 'pk')).toEqual({ value: 6, unit: 'ct' });
  });

  it('keeps equal sizes equal after conversion (16 oz == 1 lb)', () => {
    expect(toCanonicalSize(16, 'oz')).toEqual(toCanonicalSize(1, 'lb'));
  });

  it('rejects non-positive sizes', () => {
    expect(() => toCanonicalSize(0, 'g')).toThrow(RangeError);
    expect(() => toCanonicalSize(Number.NaN, 'g')).toThrow(RangeError);
  });

  it('converts back for display and refuses other dimensions', () => {
    expect(fromCanonicalSize({ value: 411.067, unit: 'g' }, 'oz')).toBeCloseTo(14.5, 3);
    expect(() => fromCanonicalSize({ value: 100, unit: 'ml' }, 'oz')).toThrow(RangeError);
  });

  it.each([
    ['16 oz', { value: 453.59237, unit: 'g' }],
    ['14.5oz', { value: 411.068085, unit: 'g' }],
    ['1,5 L', { value: 1500, unit: 'ml' }],
    ['12 fl oz', { value: 354.882355, unit: 'ml' }],
    ['12 x 330 ml', { value: 3960, unit: 'ml' }],
    ['6 pk', { value: 6, unit: 'ct' }],
    ['2 LBS', { value: 907.18474, unit: 'g' }],
  ])('parses %s', (text, expected) => {
    expect(parsePackSize(text)).toEqual(expected);
  });

  it.each(['', 'large', '12 parsecs', '0 g', 'oz 16'])('returns undefined for %j', (text) => {
    expect(parsePackSize(text)).toBeUndefined();
  });
});

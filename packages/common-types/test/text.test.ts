import { describe, expect, it } from 'vitest';
import { findNul, nulIssue } from '../src/text.js';

describe('the NUL rule', () => {
  it('finds NUL in a value at any depth and names its path', () => {
    expect(findNul('a\u0000b')).toEqual([]);
    expect(findNul({ name: 'a\u0000b' })).toEqual(['name']);
    expect(findNul({ items: [{ name: 'ok' }, { name: 'ok', brand: 'x\u0000' }] })).toEqual([
      'items',
      1,
      'brand',
    ]);
    expect(findNul({ store: ['a', 'b\u0000'] })).toEqual(['store', 1]);
  });

  it('finds NUL in an object key', () => {
    expect(findNul({ outer: { 'na\u0000me': 'x' } })).toEqual(['outer', 'na\u0000me']);
  });

  it('passes strings without NUL, other characters included, and non-string values', () => {
    expect(
      findNul({ name: 'crème \u0001\u200b\uffff 🛒', n: 0, ok: true, none: null, list: [1, 'x\\u0000'] }),
    ).toBeUndefined();
    expect(findNul(undefined)).toBeUndefined();
  });

  it('walks a deeply nested body without exhausting the stack', () => {
    let deep: unknown = 'a\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findNul(deep)).toHaveLength(100_000);
  });

  it('makes a VALIDATION_FAILED issue with the dotted path', () => {
    expect(nulIssue(['items', 2, 'name'])).toEqual({
      path: 'items.2.name',
      message: 'must not contain NUL (U+0000)',
      code: 'nul_character',
    });
    expect(nulIssue([], 'text')).toMatchObject({ path: 'text' });
    expect(nulIssue(['name'], 'lines.3')).toMatchObject({ path: 'lines.3.name' });
  });
});

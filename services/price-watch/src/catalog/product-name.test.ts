import { describe, expect, it } from 'vitest';
import { normalizeName, searchVariants } from './product-name.js';

describe('searchVariants', () => {
  it('adds the other spelling of a regional word, both ways', () => {
    expect(searchVariants(normalizeName('Greek Yoghurt'))).toEqual(['greek yoghurt', 'greek yogurt']);
    expect(searchVariants('sea salt chips')).toEqual(['sea salt chips', 'sea salt crisps']);
  });

  it('leaves a query without synonyms alone', () => {
    expect(searchVariants('whole milk')).toEqual(['whole milk']);
  });
});

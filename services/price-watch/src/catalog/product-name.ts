/** Normalised forms of names and brands used for matching and search (lower case, plain words). */
export function normalizeName(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

export function normalizeBrand(brand: string | undefined | null): string {
  return brand ? normalizeName(brand) : '';
}

/**
 * Regional spellings and names of the same groceries (docs/price-watch.md, "Search"): a search for either
 * word also looks for the other.
 */
export const SEARCH_SYNONYMS: ReadonlyArray<readonly [string, string]> = [
  ['yoghurt', 'yogurt'],
  ['crisps', 'chips'],
  ['aubergine', 'eggplant'],
  ['courgette', 'zucchini'],
  ['coriander', 'cilantro'],
  ['biscuits', 'cookies'],
  ['mince', 'ground'],
  ['rocket', 'arugula'],
  ['prawns', 'shrimp'],
  ['porridge', 'oatmeal'],
  ['colour', 'color'],
  ['flavour', 'flavor'],
];

/** The normalised query and its variants with each synonym swapped in (at most 8). */
export function searchVariants(qNorm: string): string[] {
  const variants = new Set([qNorm]);
  for (const [a, b] of SEARCH_SYNONYMS) {
    for (const variant of [...variants]) {
      const words = variant.split(' ');
      if (words.includes(a)) variants.add(words.map((word) => (word === a ? b : word)).join(' '));
      if (words.includes(b)) variants.add(words.map((word) => (word === b ? a : word)).join(' '));
    }
  }
  return [...variants].slice(0, 8);
}

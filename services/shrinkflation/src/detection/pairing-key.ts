/**
 * The key successor products are paired on: brand + product name, normalised so that a relabelled pack
 * ("Crunchy Oats 16 oz", "NEW Crunchy Oats, 14.5oz") keys the same. See docs/shrinkflation.md.
 */

/** Words that packaging changes add or drop without changing what the product is. */
const marketingWords = new Set([
  'new',
  'improved',
  'now',
  'value',
  'family',
  'size',
  'pack',
  'pk',
  'bonus',
  'original',
  'recipe',
  'the',
  'a',
  'and',
  'with',
]);

/** Size and count expressions: "16 oz", "14.5oz", "12 x 330 ml", "6ct", "1.5 l". */
const sizeExpression =
  /\b\d+(?:[.,]\d+)?\s*(?:x\s*\d+(?:[.,]\d+)?\s*)?(?:fl\.?\s*oz|floz|oz|ounces?|lbs?|pounds?|kg|g|grams?|ml|l|liters?|litres?|ct|count|pk|pack|pcs?|ea)\b/g;

function words(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(sizeExpression, ' ')
    .replace(/[^a-z0-9]+/g, ' ')
    .split(' ')
    .filter((word) => word.length > 0);
}

/**
 * `brand|sorted name words` without sizes, punctuation, accents, marketing words or the brand itself;
 * undefined without a brand or without a name word left (such products are never paired).
 */
export function pairingKey(name: string, brand: string | undefined | null): string | undefined {
  if (!brand) return undefined;
  const brandWords = words(brand);
  if (brandWords.length === 0) return undefined;
  const brandSet = new Set(brandWords);
  const nameWords = [
    ...new Set(words(name).filter((word) => !brandSet.has(word) && !marketingWords.has(word))),
  ].sort();
  if (nameWords.length === 0) return undefined;
  return `${brandWords.join(' ')}|${nameWords.join(' ')}`;
}

/** GS1 company prefix stand-in: the first 7 digits of the GTIN padded to 14 (GTIN-14 form). */
export function gtinCompanyPrefix(gtin: string | null | undefined): string | undefined {
  if (!gtin) return undefined;
  return gtin.padStart(14, '0').slice(1, 8);
}

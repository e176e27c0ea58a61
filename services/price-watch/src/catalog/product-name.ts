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

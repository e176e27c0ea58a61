/**
 * GTIN normalisation: UPC-A (12), EAN-13, EAN-8 and GTIN-14 forms of one item all become the same
 * 14-digit key (left-padded with zeros). A code whose check digit is wrong is not a GTIN.
 */

/** GS1 mod-10 check digit of the digits before it. */
export function gtinCheckDigit(body: string): number {
  let sum = 0;
  for (let index = 0; index < body.length; index++) {
    // Weights alternate 3,1,3,... counting from the digit next to the check digit.
    const weight = (body.length - index) % 2 === 1 ? 3 : 1;
    sum += Number(body[index]) * weight;
  }
  return (10 - (sum % 10)) % 10;
}

/** The GTIN-14 form of an 8-, 12-, 13- or 14-digit code with a valid check digit; undefined otherwise. */
export function normalizeGtin(code: string): string | undefined {
  const digits = code.trim();
  if (!/^\d+$/.test(digits) || ![8, 12, 13, 14].includes(digits.length)) return undefined;
  const padded = digits.padStart(14, '0');
  if (/^0+$/.test(padded)) return undefined;
  const check = Number(padded[13]);
  return gtinCheckDigit(padded.slice(0, 13)) === check ? padded : undefined;
}

/** The shortest common form for display: EAN-13 (or UPC-A when it starts with 0), else GTIN-14. */
export function displayGtin(gtin14: string): string {
  if (gtin14.startsWith('00')) return gtin14.slice(2);
  if (gtin14.startsWith('0')) return gtin14.slice(1);
  return gtin14;
}

/** Unique, valid GTIN-13 codes for test products (price-watch checks the check digit). */
import { randomInt } from 'node:crypto';

export function gtinCheckDigit(body: string): number {
  let sum = 0;
  // From the right, digits alternate weight 3 and 1.
  for (let index = 0; index < body.length; index++) {
    const digit = Number(body[body.length - 1 - index]);
    sum += digit * (index % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/** A random GTIN-13 in the 200-299 prefix range GS1 reserves for in-store use, so it names no real product. */
export function randomGtin13(): string {
  const body = `2${String(randomInt(0, 100_000_000_000)).padStart(11, '0')}`;
  return `${body}${gtinCheckDigit(body)}`;
}

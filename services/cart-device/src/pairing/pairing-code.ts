/**
 * Pairing codes: eight characters from a 30-letter alphabet without look-alikes (0/O, 1/I/L, U),
 * about 39 bits. They live minutes, are single use, and pairing attempts are rate-limited per user,
 * so guessing one is hopeless. Stored as an HMAC like device keys.
 */
import { createHmac, randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
const LENGTH = 8;
export const QR_PREFIX = 'cartwatch:pair:';

export function generatePairingCode(): string {
  let code = '';
  for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** What the shopper typed or scanned, reduced to the code: QR prefix, case, spaces and dashes ignored. */
export function normalizePairingCode(input: string): string {
  const withoutPrefix = input.trim().toLowerCase().startsWith(QR_PREFIX)
    ? input.trim().slice(QR_PREFIX.length)
    : input;
  return withoutPrefix.toUpperCase().replace(/[\s-]/g, '');
}

export function hashPairingCode(pepper: Buffer, code: string): Buffer {
  return createHmac('sha256', pepper).update(`pairing-code:${code}`, 'utf8').digest();
}

/**
 * Device keys `cwd_<keyId>_<secret>`: 256 random bits of secret, stored as HMAC-SHA-256 under a server
 * pepper. The secret has full entropy, so a fast keyed hash is enough (a slow KDF protects low-entropy
 * passwords, not random keys) and keeps the per-request check at microseconds; the pepper means a
 * leaked table alone cannot even confirm a key. Lookup is by key id, comparison constant-time.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { newId } from '@cartwatch/db';

const KEY_PATTERN =
  /^cwd_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface IssuedKey {
  keyId: string;
  key: string;
  secretHash: Buffer;
}

export function derivePepper(configured: string | undefined, serviceKey: string): Buffer {
  if (configured !== undefined) return Buffer.from(configured, 'utf8');
  return createHmac('sha256', 'cartwatch/cart-device/key-pepper').update(serviceKey).digest();
}

export function hashSecret(pepper: Buffer, secret: string): Buffer {
  return createHmac('sha256', pepper).update(secret, 'utf8').digest();
}

export function issueDeviceKey(pepper: Buffer): IssuedKey {
  const keyId = newId();
  const secret = randomBytes(32).toString('base64url');
  return { keyId, key: `cwd_${keyId}_${secret}`, secretHash: hashSecret(pepper, secret) };
}

/** The key id and secret of a well-formed key, else undefined (no database work for garbage). */
export function parseDeviceKey(text: string): { keyId: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(text);
  if (!match?.[1] || !match[2]) return undefined;
  return { keyId: match[1], secret: match[2] };
}

export function secretMatches(pepper: Buffer, secret: string, storedHash: Buffer): boolean {
  const presented = hashSecret(pepper, secret);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}

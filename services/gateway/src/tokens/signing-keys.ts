/**
 * The Ed25519 keys that sign access tokens. From `JWT_SIGNING_KEYS` (first key signs, the others only
 * verify, so a rotated-out key keeps verifying until its tokens expire); outside production, when unset,
 * one key is generated and persisted in `JWT_KEY_FILE` so tokens survive restarts.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JWK } from 'jose';
import { z } from 'zod';

export const ACCESS_TOKEN_ALGORITHM = 'EdDSA';

const PrivateJwk = z.looseObject({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string().min(1),
  d: z.string().min(1),
  kid: z.string().min(1).max(100),
});
const PrivateJwkList = z.array(PrivateJwk).min(1);

export interface SigningKeys {
  /** Signs new tokens. */
  current: { kid: string; key: KeyObject };
  /** Public JWKs of every key still accepted (JWKS document). */
  publicJwks: JWK[];
}

export function generateSigningJwk(kid: string = randomUUID()): JWK {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid };
}

function parseKeyList(text: string, origin: string): z.infer<typeof PrivateJwkList> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${origin} is not JSON`);
  }
  const parsed = PrivateJwkList.safeParse(json);
  if (!parsed.success) throw new Error(`${origin} must be a JSON array of Ed25519 private JWKs with kid`);
  const kids = new Set(parsed.data.map((key) => key.kid));
  if (kids.size !== parsed.data.length) throw new Error(`${origin} has duplicate kid values`);
  return parsed.data;
}

function readOrCreateKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const text = JSON.stringify([generateSigningJwk()]);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  return text;
}

/** Synchronous (node:crypto), so the app factory stays synchronous. */
export function loadSigningKeys(options: {
  signingKeys: string | undefined;
  keyFile: string;
  production: boolean;
}): SigningKeys {
  let keys: z.infer<typeof PrivateJwkList>;
  if (options.signingKeys !== undefined) keys = parseKeyList(options.signingKeys, 'JWT_SIGNING_KEYS');
  else if (options.production) throw new Error('JWT_SIGNING_KEYS is required in production');
  else keys = parseKeyList(readOrCreateKeyFile(options.keyFile), options.keyFile);

  const [first] = keys;
  if (!first) throw new Error('no signing key');
  const key = createPrivateKey({
    key: { kty: first.kty, crv: first.crv, x: first.x, d: first.d },
    format: 'jwk',
  });
  return {
    current: { kid: first.kid, key },
    publicJwks: keys.map(({ kty, crv, x, kid }) => ({
      kty,
      crv,
      x,
      kid,
      alg: ACCESS_TOKEN_ALGORITHM,
      use: 'sig',
    })),
  };
}

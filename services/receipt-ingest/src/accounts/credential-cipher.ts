/**
 * Sealing of store credentials and captured sessions: AES-256-GCM with a random 96-bit IV, the
 * ciphertext bound to its row by additional data (`<user>:<store>`), and the id of the key that
 * sealed it stored alongside. Keys come from CREDENTIAL_KEYS; the first one seals, every listed one
 * opens, so a key is rotated by putting a new key first and dropping the old one once nothing
 * sealed with it remains (`needsReseal` tells which rows to re-seal).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface Sealed {
  keyId: string;
  ciphertext: Buffer;
}

export class CredentialCipher {
  private readonly keys: Map<string, Buffer>;
  private readonly activeKeyId: string;

  /** `spec`: `<id>:<base64 32 bytes>[,<id>:<base64>...]`, the first being the active key. */
  constructor(spec: string) {
    const entries = spec.split(',').map((entry) => {
      const [id, encoded] = entry.split(':');
      const key = Buffer.from(encoded ?? '', 'base64');
      if (!id || key.length !== 32) throw new Error('every credential key needs an id and 32 bytes');
      return [id, key] as const;
    });
    this.keys = new Map(entries);
    this.activeKeyId = entries[0]?.[0] as string;
  }

  seal(plaintext: string, context: string): Sealed {
    const key = this.keys.get(this.activeKeyId) as Buffer;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: this.activeKeyId, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]) };
  }

  /** Throws when the key is unknown or the ciphertext was tampered with or moved to another row. */
  open(sealed: Sealed, context: string): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new Error(`credential key ${sealed.keyId} is not configured`);
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.ciphertext.subarray(0, 12));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(sealed.ciphertext.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.ciphertext.subarray(28)), decipher.final()]).toString(
      'utf8',
    );
  }

  needsReseal(sealed: Pick<Sealed, 'keyId'>): boolean {
    return sealed.keyId !== this.activeKeyId;
  }
}

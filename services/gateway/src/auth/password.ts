/**
 * argon2id password hashing with explicit parameters. A stored hash made with other parameters is
 * upgraded on the next successful login; an unknown account is checked against a dummy hash, so it
 * costs the same time as a wrong password.
 */
import argon2 from 'argon2';

export interface Argon2Parameters {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly parameters: Argon2Parameters) {}

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, ...this.parameters });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  needsRehash(hash: string): boolean {
    return !hash.startsWith('$argon2id$') || argon2.needsRehash(hash, this.parameters);
  }

  /** Spends a real verification on a hash nobody has, so a missing account is as slow as a wrong password. */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash('no account has this password; it only costs time');
    await this.verify(await this.dummyHash, password);
    return false;
  }
}

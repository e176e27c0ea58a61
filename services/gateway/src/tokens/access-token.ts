/**
 * Access tokens: EdDSA JWTs with iss/aud/sub/role/sid (and `ret`, a staff member's retailer) and the
 * signing key's kid, algorithm pinned on verify. A verified token is cached until it expires: EdDSA
 * verification costs ~0.35 ms of CPU, which on every proxied request would cost the gateway much of its
 * throughput. A token of an ended session (logout, revocation, deletion: session-revocations.ts) is
 * refused from the moment the gateway learns of it, cached or not.
 */
import { StoreSlug, UserRole } from '@cartwatch/common-types';
import { createLocalJWKSet, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { ACCESS_TOKEN_ALGORITHM, type SigningKeys } from './signing-keys.js';

export interface AccessClaims {
  userId: string;
  role: UserRole;
  /** The retailer of a `staff` user (claim `ret`). */
  retailer?: string;
  sessionId: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

const Claims = z
  .object({
    sub: z.uuid(),
    role: UserRole,
    ret: StoreSlug.optional(),
    sid: z.uuid(),
    exp: z.number().int(),
  })
  // A staff token without its retailer (or any other role with one) is not one of ours.
  .refine((claims) => (claims.role === 'staff') === (claims.ret !== undefined));

const MAX_CACHED_TOKENS = 50_000;

/** Sessions whose tokens must be refused before they expire. */
export interface EndedSessions {
  isEnded(sessionId: string): boolean;
}

const noEndedSessions: EndedSessions = { isEnded: () => false };

export class AccessTokens {
  private readonly verifyKey: JWTVerifyGetKey;
  private readonly cache = new Map<string, AccessClaims>();

  constructor(
    private readonly keys: SigningKeys,
    private readonly options: { issuer: string; audience: string; ttlSeconds: number },
    private readonly endedSessions: EndedSessions = noEndedSessions,
  ) {
    this.verifyKey = createLocalJWKSet({ keys: keys.publicJwks });
  }

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  jwks(): { keys: SigningKeys['publicJwks'] } {
    return { keys: this.keys.publicJwks };
  }

  sign(claims: {
    userId: string;
    role: UserRole;
    retailer?: string | null;
    sessionId: string;
  }): Promise<string> {
    const retailer = claims.role === 'staff' && claims.retailer ? { ret: claims.retailer } : {};
    return new SignJWT({ role: claims.role, sid: claims.sessionId, ...retailer })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid: this.keys.current.kid, typ: 'JWT' })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setSubject(claims.userId)
      .setIssuedAt()
      .setExpirationTime(`${this.options.ttlSeconds}s`)
      .sign(this.keys.current.key);
  }

  /** The token's claims, or undefined for anything not valid right now (never throws for bad input). */
  async verify(token: string): Promise<AccessClaims | undefined> {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const cached = this.cache.get(token);
    if (cached) {
      if (cached.exp > nowSeconds && !this.endedSessions.isEnded(cached.sessionId)) return cached;
      this.cache.delete(token);
      return undefined;
    }
    try {
      const { payload } = await jwtVerify(token, this.verifyKey, {
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: this.options.issuer,
        audience: this.options.audience,
        requiredClaims: ['exp', 'iat', 'sub'],
      });
      const parsed = Claims.safeParse(payload);
      if (!parsed.success || this.endedSessions.isEnded(parsed.data.sid)) return undefined;
      const claims: AccessClaims = {
        userId: parsed.data.sub,
        role: parsed.data.role,
        ...(parsed.data.ret !== undefined && { retailer: parsed.data.ret }),
        sessionId: parsed.data.sid,
        exp: parsed.data.exp,
      };
      this.remember(token, claims);
      return claims;
    } catch {
      return undefined;
    }
  }

  private remember(token: string, claims: AccessClaims): void {
    if (this.cache.size >= MAX_CACHED_TOKENS) {
      // Map iteration is insertion order: drop the oldest entry.
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(token, claims);
  }
}

/** `Authorization: Bearer <token>` -> the token, else undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(header);
  return match?.[1];
}

/**
 * Who is calling: the verified access token of a request (cached by AccessTokens). Gateway routes that
 * act on the account also require its session to be live, so logout and password changes take effect
 * at once there; proxied routes trust the token until it expires (15 minutes at most).
 */
import type { IncomingMessage } from 'node:http';
import { AppError } from '@cartwatch/service-kit';
import type { RequestHandler, Response } from 'express';
import { type AccessClaims, type AccessTokens, bearerToken } from '../tokens/access-token.js';
import type { AuthService } from './auth.service.js';

const verified = new WeakMap<IncomingMessage, AccessClaims>();

/** Verifies the bearer token, if any; remembers the claims for the request. */
export async function identify(
  req: IncomingMessage,
  tokens: AccessTokens,
): Promise<AccessClaims | undefined> {
  const known = verified.get(req);
  if (known) return known;
  const token = bearerToken(req.headers.authorization);
  const claims = token ? await tokens.verify(token) : undefined;
  if (claims) verified.set(req, claims);
  return claims;
}

export function identityOf(req: IncomingMessage): AccessClaims | undefined {
  return verified.get(req);
}

export function requireSession(tokens: AccessTokens, auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    const claims = await identify(req, tokens);
    if (!claims || !(await auth.isSessionActive(claims.sessionId))) throw AppError.unauthenticated();
    res.locals.auth = claims;
    next();
  };
}

export function sessionOf(res: Response): AccessClaims {
  const claims = res.locals.auth as AccessClaims | undefined;
  if (!claims) throw AppError.unauthenticated();
  return claims;
}

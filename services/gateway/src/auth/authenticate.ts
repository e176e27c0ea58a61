/**
 * Who is calling: the verified access token of a request (cached by AccessTokens, which refuses tokens
 * of ended sessions on every route). The gateway's own routes also check the session in the database
 * and take a point of the user's rate limit, like a proxied request.
 */
import type { IncomingMessage } from 'node:http';
import { AppError } from '@cartwatch/service-kit';
import { consumeOrReject } from '@cartwatch/service-kit/rate-limits';
import type { RequestHandler, Response } from 'express';
import type { PointLimiter } from '../rate-limit/limiters.js';
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

export function requireSession(deps: {
  tokens: AccessTokens;
  auth: Pick<AuthService, 'isSessionActive'>;
  limiter: PointLimiter;
}): RequestHandler {
  return async (req, res, next) => {
    const claims = await identify(req, deps.tokens);
    if (!claims) throw AppError.unauthenticated();
    await consumeOrReject(deps.limiter, claims.userId);
    if (!(await deps.auth.isSessionActive(claims.sessionId))) throw AppError.unauthenticated();
    res.locals.auth = claims;
    next();
  };
}

export function sessionOf(res: Response): AccessClaims {
  const claims = res.locals.auth as AccessClaims | undefined;
  if (!claims) throw AppError.unauthenticated();
  return claims;
}

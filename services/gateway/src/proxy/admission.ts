/**
 * What a request must pass before it is proxied, by the route's auth kind (common-types RouteAuth):
 * `user` needs a valid access token (401 otherwise) and is limited per user; `public` and `signed` are
 * limited per IP (a valid token on a public route is still forwarded); `device` passes without a JWT
 * (the owning service checks the device key) and is limited per client IP, then per device key.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AppError } from '@cartwatch/service-kit';
import { consumeOrReject } from '@cartwatch/service-kit/rate-limits';
import { identify } from '../auth/authenticate.js';
import type { Limiters } from '../rate-limit/limiters.js';
import type { AccessTokens } from '../tokens/access-token.js';
import type { Admission } from './proxy.routes.js';

function deviceKeyOf(req: IncomingMessage): string | undefined {
  const credential = req.headers.authorization;
  return credential ? createHash('sha256').update(credential).digest('base64url') : undefined;
}

export function createAdmission(tokens: AccessTokens, limiters: Limiters): Admission {
  return async (route, req, ip) => {
    switch (route.auth) {
      case 'user': {
        const claims = await identify(req, tokens);
        if (!claims) {
          // Bad tokens cost a signature check each: limit them per IP.
          await consumeOrReject(limiters.ip, ip);
          throw AppError.unauthenticated('a valid access token is required');
        }
        await consumeOrReject(limiters.user, claims.userId);
        return;
      }
      case 'public':
        await consumeOrReject(limiters.ip, ip);
        await identify(req, tokens);
        return;
      case 'device':
        // Per client IP first: every bogus key would otherwise be a fresh bucket of its own.
        await consumeOrReject(limiters.deviceIp, ip);
        await consumeOrReject(limiters.device, deviceKeyOf(req) ?? `ip:${ip}`);
        return;
      case 'signed':
        await consumeOrReject(limiters.ip, ip);
        return;
      default: {
        const unknown: never = route.auth;
        throw new Error(`unhandled route auth ${String(unknown)}`);
      }
    }
  };
}

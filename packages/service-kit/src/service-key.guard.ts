/**
 * The X-Service-Key guard (docs/architecture.md#request-path): only the gateway and peer services know the key, and only
 * requests that carry it may assert a user identity.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError } from './app-error.js';

const verifiedRequests = new WeakSet<IncomingMessage>();

/** True once `serviceKeyGuard` accepted the request; identity headers are ignored otherwise. */
export function hasValidServiceKey(req: IncomingMessage): boolean {
  return verifiedRequests.has(req);
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Checks a request's X-Service-Key against `serviceKey`; a valid one marks the request as verified. */
export function serviceKeyVerifier(
  serviceKey: string,
): (req: IncomingMessage) => 'missing' | 'invalid' | 'valid' {
  if (serviceKey.length < 32) throw new Error('service key must be at least 32 characters');
  // Comparing fixed-size digests keeps timingSafeEqual constant-time and hides the key's length.
  const expected = sha256(serviceKey);
  return (req) => {
    const presented = req.headers['x-service-key'];
    if (typeof presented !== 'string' || presented === '') return 'missing';
    if (!timingSafeEqual(sha256(presented), expected)) return 'invalid';
    verifiedRequests.add(req);
    return 'valid';
  };
}

export function serviceKeyGuard(serviceKey: string): RequestHandler {
  const verify = serviceKeyVerifier(serviceKey);
  return (req, _res, next) => {
    const outcome = verify(req);
    next(outcome === 'valid' ? undefined : AppError.unauthenticated(`${outcome} service key`));
  };
}

/**
 * CORS with an allow-list (CORS_ORIGINS): only listed origins get CORS headers, with credentials (the
 * refresh cookie); preflights are answered here, before proxying. Unlisted origins get no CORS headers,
 * so browsers keep them out. Works on bare node responses: the fast path applies it too.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
const ALLOWED_HEADERS = 'Authorization, Content-Type, Last-Event-ID, X-Request-Id';

/** Sets the CORS headers for the request's origin; true when it answered a preflight (nothing left to do). */
export type CorsPolicy = (req: IncomingMessage, res: ServerResponse) => boolean;

function varyOnOrigin(res: ServerResponse): void {
  const vary = res.getHeader('vary');
  if (vary === undefined) res.setHeader('vary', 'Origin');
  else if (!/(^|,)\s*(origin|\*)\s*(,|$)/i.test(String(vary)))
    res.setHeader('vary', `${String(vary)}, Origin`);
}

export function isPreflight(req: IncomingMessage): boolean {
  return req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
}

export function corsPolicy(origins: readonly string[]): CorsPolicy {
  const allowed = new Set(origins);
  return (req, res) => {
    const origin = req.headers.origin;
    varyOnOrigin(res);
    if (!origin || !allowed.has(origin)) return false;
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('access-control-expose-headers', 'Retry-After, X-Request-Id');
    // helmet's same-origin resource policy would block the listed origin's reads.
    res.setHeader('cross-origin-resource-policy', 'cross-origin');
    if (!isPreflight(req)) return false;
    res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
    res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
    res.setHeader('access-control-max-age', '600');
    res.statusCode = 204;
    res.end();
    return true;
  };
}

export function corsAllowList(policy: CorsPolicy): RequestHandler {
  return (req, res, next) => {
    if (!policy(req, res)) next();
  };
}

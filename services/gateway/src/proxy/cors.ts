/**
 * CORS with an allow-list (CORS_ORIGINS): only listed origins get CORS headers, with credentials (the
 * refresh cookie); preflights are answered here, before proxying. Unlisted origins get no CORS headers,
 * so browsers keep them out.
 */
import type { RequestHandler } from 'express';

const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
const ALLOWED_HEADERS = 'Authorization, Content-Type, Last-Event-ID, X-Request-Id';

export function corsAllowList(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    res.vary('Origin');
    if (!origin || !allowed.has(origin)) {
      next();
      return;
    }
    res.set('access-control-allow-origin', origin);
    res.set('access-control-allow-credentials', 'true');
    res.set('access-control-expose-headers', 'Retry-After, X-Request-Id');
    // helmet's same-origin resource policy would block the listed origin's reads.
    res.set('cross-origin-resource-policy', 'cross-origin');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.set('access-control-allow-methods', ALLOWED_METHODS);
      res.set('access-control-allow-headers', ALLOWED_HEADERS);
      res.set('access-control-max-age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}

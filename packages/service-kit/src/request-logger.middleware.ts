/**
 * Per-request logging with pino-http: `req.log` is a child logger bound to `requestId` (and `userId` once the
 * user context is known); one line per finished request.
 */
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { requestAnnotation } from './request-annotation.js';
import { requestIdOf } from './request-id.middleware.js';
import { redactQuery, redactUrlQuery } from './url-redaction.js';
import { findCurrentUser } from './user-context.middleware.js';

/** Probe and scrape endpoints are hit every few seconds; their successes are only logged at debug. */
const quietPaths = new Set(['/health', '/ready', '/metrics']);

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '').split('?')[0] ?? '';
}

export function requestLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req) => requestIdOf(req),
    customAttributeKeys: { reqId: 'requestId' },
    // req.log carries only requestId; the full request is logged once, on the completion line.
    quietReqLogger: true,
    // Gets pino's serialized request: token-like query parameters never reach the log.
    serializers: {
      req: (serialized: { url?: string; query?: unknown }) => ({
        ...serialized,
        url: redactUrlQuery(serialized.url),
        ...(serialized.query !== undefined && { query: redactQuery(serialized.query) }),
      }),
    },
    // The user is known only after the user context ran, so it is added to the completion line here.
    customProps: (req) => {
      const annotation = requestAnnotation(req);
      const userId = findCurrentUser(req)?.id ?? annotation?.userId;
      return { ...(userId && { userId }), ...annotation?.fields };
    },
    customLogLevel: (req, res, err) => {
      if (err) return 'error';
      const annotated = requestAnnotation(req)?.logLevel;
      if (annotated) return annotated(res.statusCode);
      if (res.statusCode >= 500) return 'error';
      if (res.statusCode < 400 && quietPaths.has(pathOf(req))) return 'debug';
      return 'info';
    },
  });
}

/** The request's logger when pino-http ran, otherwise `fallback` bound to the request id. */
export function loggerFor(req: IncomingMessage, fallback: Logger): Logger {
  const log: Logger | undefined = (req as { log?: Logger }).log;
  return log ?? fallback.child({ requestId: requestIdOf(req) });
}

/**
 * Hot reads outside express. Express 5 costs far more per request than a short indexed read does (it
 * re-prototypes req/res and walks the whole middleware stack: helmet, request id, pino-http, metrics,
 * the key guard, the body parser, the user context, the router), so a service can mark a few GET routes
 * as fast reads (`defineRoute({ method: 'get', read, fast: true })`, routes.ts). The route is mounted on
 * express as usual and also recorded here; when any are recorded, createServiceApp answers the *ordinary success* of those routes on the bare node request:
 * the same security headers, request id, service-key check, identity headers, zod-parsed params and
 * query, the same JSON body and weak ETag as `res.json`, the latency histogram and the completion log
 * line of the express stack.
 *
 * Everything else goes to express, which answers it exactly as before: another method or path, a
 * conditional request (If-None-Match / If-Modified-Since: express's freshness check and 304), a missing
 * or wrong key (401), malformed identity or a missing required user (401), invalid params or query (400),
 * and a read that throws (404, 5xx...: express's route answers the error the read threw, in the error
 * shape, without running the read again). The gateway's proxy fast path (services/gateway/src/proxy/fast-path.ts) is the
 * same idea for proxied requests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Histogram } from 'prom-client';
import type { z } from 'zod';
import { requestIdOf } from './request-id.middleware.js';
import { securityHeaderList } from './security-headers.js';
import { serviceKeyVerifier } from './service-key.guard.js';
import { redactUrlQuery } from './url-redaction.js';
import { assertedIdentity, type CurrentUser } from './user-context.middleware.js';
import { safeParseInput } from './validation.js';

export interface FastRead<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  /** An express path of literal and `:name` segments, e.g. `/public/trends/:productId`. */
  path: string;
  params: P;
  query: Q;
  /** `required`: like `requireUser` (401 without a user). Default: the user is optional. */
  user?: 'required';
  /** The response body of a 200; throw an AppError for anything else. */
  handle(input: { params: z.output<P>; query: z.output<Q>; user: CurrentUser | undefined }): Promise<unknown>;
}

type Handle = (req: IncomingMessage, res: ServerResponse, done?: (error?: unknown) => void) => void;

const recorded = new WeakMap<object, FastRead[]>();
const failures = new WeakMap<IncomingMessage, { error: unknown }>();

/** Records `read` (already mounted as an express GET route by defineRoute) for the fast path. */
export function recordFastRead(app: object, read: FastRead): void {
  const reads = recorded.get(app) ?? [];
  reads.push(read);
  recorded.set(app, reads);
}

/**
 * What a fast read threw on the fast path. The request then goes through express, whose route answers
 * this error (in the error shape, with express's logs and metrics) instead of running the read again.
 */
export function fastReadFailure(req: IncomingMessage): { error: unknown } | undefined {
  return failures.get(req);
}

interface CompiledRead {
  read: FastRead;
  /** A literal segment, or null for a parameter (named in `names` by position). */
  segments: (string | null)[];
  names: string[];
}

function compile(read: FastRead): CompiledRead {
  const parts = read.path.split('/').slice(1);
  const names: string[] = [];
  const segments = parts.map((part) => {
    if (!part.startsWith(':')) return part;
    names.push(part.slice(1));
    return null;
  });
  return { read, segments, names };
}

/** Params of the first read whose path matches (a parameter matches one non-empty segment, decoded). */
function match(
  reads: CompiledRead[],
  path: string,
): { read: FastRead; params: Record<string, string> } | undefined {
  const parts = path.split('/').slice(1);
  for (const { read, segments, names } of reads) {
    if (segments.length !== parts.length) continue;
    const values: string[] = [];
    let matched = true;
    for (let i = 0; i < segments.length && matched; i++) {
      const part = parts[i] as string;
      const literal = segments[i];
      if (literal === null) {
        if (part === '') matched = false;
        else values.push(part);
      } else matched = literal === part;
    }
    if (!matched) continue;
    try {
      return {
        read,
        params: Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(values[i] ?? '')])),
      };
    } catch {
      return undefined; // a malformed escape: express answers it
    }
  }
  return undefined;
}

export interface FastReadOptions {
  serviceKey: string;
  logger: Logger;
  histogram: Histogram<'method' | 'route' | 'status'>;
}

/** Installs the fast path for the reads recorded on `app` (a no-op without any). */
export function installFastReads(app: Express, options: FastReadOptions): void {
  const reads = (recorded.get(app) ?? []).map(compile);
  if (reads.length === 0) return;
  const expressApp = app as unknown as { handle: Handle };
  const expressHandle = expressApp.handle.bind(app);
  const securityHeaders = securityHeaderList();
  const verifyKey = serviceKeyVerifier(options.serviceKey);
  const etagOf = app.get('etag fn') as ((body: string, encoding: BufferEncoding) => string) | undefined;

  function respond(
    read: FastRead,
    req: IncomingMessage,
    res: ServerResponse,
    answer: { body: unknown; user: CurrentUser | undefined; startedAt: bigint },
  ) {
    const { body, user, startedAt } = answer;
    const json = JSON.stringify(body);
    res.statusCode = 200;
    for (const [name, value] of securityHeaders) res.setHeader(name, value);
    res.setHeader('X-Request-Id', requestIdOf(req));
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(json));
    if (etagOf) res.setHeader('ETag', etagOf(json, 'utf8'));
    res.end(json);
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    options.histogram.observe({ method: 'GET', route: read.path, status: '200' }, seconds);
    if (options.logger.isLevelEnabled('info')) {
      options.logger.info(
        {
          requestId: requestIdOf(req),
          ...(user && { userId: user.id }),
          req: { method: req.method, url: redactUrlQuery(req.url) },
          res: { statusCode: 200 },
          responseTime: Math.round(seconds * 1e4) / 10,
        },
        'request completed',
      );
    }
  }

  expressApp.handle = (req, res, done) => {
    const url = req.url ?? '';
    const queryAt = url.indexOf('?');
    const found =
      req.method === 'GET' &&
      req.headers['if-none-match'] === undefined &&
      req.headers['if-modified-since'] === undefined
        ? match(reads, queryAt === -1 ? url : url.slice(0, queryAt))
        : undefined;
    if (!found || verifyKey(req) !== 'valid') {
      expressHandle(req, res, done);
      return;
    }
    const { read } = found;
    const user = assertedIdentity(req);
    const params = safeParseInput(read.params, found.params);
    const query = safeParseInput(
      read.query,
      queryAt === -1 ? {} : { ...parseQueryString(url.slice(queryAt + 1)) },
    );
    if (user === 'malformed' || (read.user === 'required' && !user) || !params.success || !query.success) {
      expressHandle(req, res, done);
      return;
    }
    const startedAt = process.hrtime.bigint();
    read
      .handle({ params: params.data, query: query.data, user })
      .then((body) => {
        if (!res.destroyed) respond(read, req, res, { body, user, startedAt });
      })
      .catch((error: unknown) => {
        if (res.headersSent || res.destroyed) return;
        failures.set(req, { error });
        expressHandle(req, res, done);
      });
  };
}

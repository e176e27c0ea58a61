/**
 * Request ids: honour the gateway's `X-Request-Id` when it is a sane token, otherwise make one, and echo it
 * on the response so a client can quote it in a bug report.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';

const saneRequestId = /^[A-Za-z0-9._:-]{1,128}$/;
const requestIds = new WeakMap<IncomingMessage, string>();

export function isSaneRequestId(value: unknown): value is string {
  return typeof value === 'string' && saneRequestId.test(value);
}

/** The request's id; assigned on first use so errors raised before the middleware still carry one. */
export function requestIdOf(req: IncomingMessage): string {
  let id = requestIds.get(req);
  if (id === undefined) {
    const incoming = req.headers['x-request-id'];
    id = isSaneRequestId(incoming) ? incoming : randomUUID();
    requestIds.set(req, id);
  }
  return id;
}

export function requestId(): RequestHandler {
  return (req, res, next) => {
    res.setHeader('X-Request-Id', requestIdOf(req));
    next();
  };
}

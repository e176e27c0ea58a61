/**
 * What the proxies (proxy.routes.ts) check about a request's body before they stream it to a service: a declared
 * length over PROXY_MAX_BODY_BYTES is refused with 413 before a byte of it is read, and a client's
 * `Expect: 100-continue` is answered by the gateway itself (the server sends `100 Continue` once the proxy
 * starts reading, see service-kit's createHttpServer), so it is not passed on: http-proxy sends a request
 * that carries `Expect` before its `proxyReq` hook runs, which would leave out the service key, the
 * identity and the request id.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '@cartwatch/service-kit';

/** Throws PAYLOAD_TOO_LARGE (and marks the connection to close, its body unread) over `maxBytes`. */
export function assertDeclaredBodyWithin(req: IncomingMessage, res: ServerResponse, maxBytes: number): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (!(declared > maxBytes)) return;
  res.setHeader('connection', 'close');
  throw new AppError('PAYLOAD_TOO_LARGE', `the request body is larger than ${maxBytes} bytes`, {
    maxBytes,
  });
}

/** Removes `Expect` from the request the proxy forwards (headers and rawHeaders alike). */
export function dropExpectHeader(req: IncomingMessage): void {
  if (req.headers.expect === undefined) return;
  delete req.headers.expect;
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    if (raw[i]?.toLowerCase() === 'expect') raw.splice(i, 2);
  }
}

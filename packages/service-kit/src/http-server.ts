/**
 * The node HTTP server every service listens with (runService): the same request handler for requests
 * that say `Expect: 100-continue`, deliberate time limits for slow clients, and the errors node answers
 * before any request exists (oversized headers, a request too slow to arrive, malformed HTTP) written in
 * the error shape instead of node's bare status lines.
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorBody, type ErrorCode, errorStatus } from '@cartwatch/common-types';
import type { Logger } from 'pino';
import { securityHeaderList } from './security-headers.js';

/** Defaults of HTTP_REQUEST_TIMEOUT_MS and HTTP_HEADERS_TIMEOUT_MS (base-env.ts). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;

export interface HttpServerOptions {
  logger: Logger;
  /** The whole request (headers and body) must arrive within this; then 408 and the connection is closed. */
  requestTimeoutMs: number;
  /** The request headers must arrive within this (capped at requestTimeoutMs). */
  headersTimeoutMs: number;
  /** How often open connections are checked against those limits; default 1000 ms. */
  checkIntervalMs?: number;
}

/**
 * Sends `100 Continue` the moment something starts reading the body, and not before. A handler that
 * answers without reading it (401, 404, a declared length over the limit) never asks for the body; node
 * then closes the connection after the answer, so the unsent body never reaches the parser. Node's own
 * behaviour without a 'checkContinue' listener is to send `100 Continue` at once, before any check ran.
 */
export function continueWhenBodyIsRead(req: IncomingMessage, res: ServerResponse): void {
  const read = req._read;
  req._read = function readAfterContinue(size: number) {
    req._read = read;
    // Node dumps an unread body once the answer is finished: no 100 after the final status line.
    if (!res.headersSent && !res.writableEnded) res.writeContinue();
    read.call(this, size);
  };
}

const clientErrorAnswers: Record<string, { code: ErrorCode; message: string }> = {
  HPE_HEADER_OVERFLOW: { code: 'HEADERS_TOO_LARGE', message: 'request headers too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'REQUEST_TIMEOUT', message: 'the request did not arrive in time' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { code: 'HEADERS_TOO_LARGE', message: 'chunk extensions too large' },
};
const malformed = { code: 'VALIDATION_FAILED' as const, message: 'malformed HTTP request' };

/** A whole HTTP/1.1 answer in the error shape, for a socket that has no request object. */
export function rawErrorResponse(code: ErrorCode, message: string, requestId: string): string {
  const status = errorStatus[code];
  const body = JSON.stringify({ error: { code, message, requestId } } satisfies ErrorBody);
  const headers = [
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    `X-Request-Id: ${requestId}`,
    ...securityHeaderList().map(([name, value]) => `${name}: ${value}`),
  ];
  return `${headers.join('\r\n')}\r\n\r\n${body}`;
}

function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, logger: Logger): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  const answer = clientErrorAnswers[error.code ?? ''] ?? malformed;
  const requestId = randomUUID();
  logger.info(
    { requestId, errorCode: error.code, code: answer.code },
    'client error answered before routing',
  );
  if (inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  // Closed once the answer is flushed (a client still trickling a body is not read any further); a client
  // that never reads it is cut off after a grace period.
  socket.once('finish', () => socket.destroy());
  socket.end(rawErrorResponse(answer.code, answer.message, requestId));
  setTimeout(() => socket.destroy(), 2_000).unref();
}

/** An HTTP server for `listener` with the limits and answers above. It does not listen yet. */
export function createHttpServer(listener: RequestListener, options: HttpServerOptions): http.Server {
  const server = http.createServer(
    {
      requestTimeout: options.requestTimeoutMs,
      // node refuses a headers timeout longer than the request timeout.
      headersTimeout: Math.min(options.headersTimeoutMs, options.requestTimeoutMs),
      connectionsCheckingInterval: options.checkIntervalMs ?? 1000,
    },
    listener,
  );
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    continueWhenBodyIsRead(req, res);
    listener(req, res);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(error, socket, options.logger),
  );
  return server;
}

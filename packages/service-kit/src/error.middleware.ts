/**
 * The single place errors become HTTP answers: `{ error: { code, message, details?, requestId } }` with the
 * status from `errorStatus` (docs/architecture.md#errors). Unknown errors are logged and answered with a generic 500.
 */
import { type ErrorBody, type ErrorCode, errorStatus } from '@cartwatch/common-types';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { AppError, codeForStatus, type ErrorDetails } from './app-error.js';
import { requestIdOf } from './request-id.middleware.js';
import { loggerFor } from './request-logger.middleware.js';
import { toFieldIssues } from './validation.js';

const internalMessage = 'internal error';

/** Errors from body-parser and other http-errors style middleware: a status and a machine `type`. */
interface HttpStyleError {
  status: number;
  type?: string;
  expose?: boolean;
}

function isHttpStyleError(err: unknown): err is HttpStyleError {
  if (typeof err !== 'object' || err === null) return false;
  const status = (err as { status?: unknown; statusCode?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 600;
}

/** Maps anything thrown to the AppError the client sees; `undefined` means "unexpected, answer 500". */
function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return AppError.validation(toFieldIssues(err));
  if (isHttpStyleError(err)) {
    if (err.type === 'entity.parse.failed') return new AppError('VALIDATION_FAILED', 'malformed JSON body');
    if (err.type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', 'request body too large');
    const code = codeForStatus(err.status);
    if (code === 'INTERNAL' || err.expose === false) return undefined;
    return new AppError(code, (err as unknown as Error).message || code.toLowerCase());
  }
  return undefined;
}

function retryAfterSeconds(details: ErrorDetails | undefined): number | undefined {
  const value = details?.retryAfterSeconds;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.ceil(value) : undefined;
}

function sendError(res: Response, code: ErrorCode, message: string, details?: ErrorDetails): void {
  const error: ErrorBody['error'] = { code, message, requestId: requestIdOf(res.req) };
  if (details !== undefined) error.details = details;
  res.status(errorStatus[code]).json({ error } satisfies ErrorBody);
}

/** Terminal 404 for requests no route matched. */
export function notFoundHandler(): RequestHandler {
  return (req, _res, next) => {
    next(new AppError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
  };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    const log = loggerFor(req, logger);
    const appError = toAppError(err);

    if (appError === undefined || appError.code === 'INTERNAL') {
      // Internals (message, stack, SQL) go to the log only; the client gets the request id to quote.
      log.error({ err }, 'unhandled error');
    } else if (appError.status >= 500) {
      log.warn({ err: appError }, appError.message);
    }

    if (res.headersSent) {
      // Too late for an error body; express's final handler ends the connection.
      next(err);
      return;
    }

    if (appError === undefined || appError.code === 'INTERNAL') {
      sendError(res, 'INTERNAL', internalMessage);
      return;
    }
    if (appError.code === 'RATE_LIMITED') {
      const seconds = retryAfterSeconds(appError.details);
      if (seconds !== undefined) res.setHeader('Retry-After', String(seconds));
    }
    sendError(res, appError.code, appError.message, appError.details);
  };
}

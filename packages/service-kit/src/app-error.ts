/**
 * Errors are values with codes (STYLE habit 8): code here, HTTP status from `errorStatus` in exactly one
 * place, the error middleware.
 */
import { type ErrorCode, errorStatus, type FieldIssue } from '@cartwatch/common-types';

export type ErrorDetails = Record<string, unknown>;

export class AppError extends Error {
  override readonly name: string = 'AppError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return errorStatus[this.code];
  }

  static validation(issues: FieldIssue[], message = 'request validation failed'): AppError {
    return new AppError('VALIDATION_FAILED', message, { issues });
  }

  static unauthenticated(message = 'authentication required'): AppError {
    return new AppError('UNAUTHENTICATED', message);
  }

  static forbidden(message = 'not allowed'): AppError {
    return new AppError('FORBIDDEN', message);
  }

  /** `AppError.notFound('order')` -> 404 "order not found". */
  static notFound(what: string): AppError {
    return new AppError('NOT_FOUND', `${what} not found`);
  }

  static conflict(message: string, details?: ErrorDetails): AppError {
    return new AppError('CONFLICT', message, details);
  }

  static unprocessable(message: string, details?: ErrorDetails): AppError {
    return new AppError('UNPROCESSABLE', message, details);
  }

  /** The error middleware turns `retryAfterSeconds` into a `Retry-After` header. */
  static rateLimited(retryAfterSeconds: number, message = 'too many requests'): AppError {
    return new AppError('RATE_LIMITED', message, { retryAfterSeconds });
  }
}

/** The error code closest to an HTTP status, for errors that only carry a status (body-parser, upstreams). */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
    case 415:
      return 'VALIDATION_FAILED';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 408:
      return 'REQUEST_TIMEOUT';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 431:
      return 'HEADERS_TOO_LARGE';
    case 422:
      return 'UNPROCESSABLE';
    case 429:
      return 'RATE_LIMITED';
    case 502:
    case 503:
      return 'UPSTREAM_UNAVAILABLE';
    case 504:
      return 'UPSTREAM_TIMEOUT';
    default:
      return status >= 400 && status < 500 ? 'VALIDATION_FAILED' : 'INTERNAL';
  }
}

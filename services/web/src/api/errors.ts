/** The API's error body (`{ error: { code, message, details?, requestId } }`) as a thrown value. */
import type { components } from './schema';

export type ErrorBody = components['schemas']['ErrorBody'];
export type ErrorCode = ErrorBody['error']['code'];

export interface FieldIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK',
    message: string,
    readonly issues: FieldIssue[] = [],
    readonly requestId?: string,
    /** The gateway asks the session to prove the password again first (403, `details.reauthenticate`). */
    readonly reauthenticate = false,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The issue message for one request field (`items.3.quantity`), if the server named it. */
  issueFor(path: string): string | undefined {
    return this.issues.find((issue) => issue.path === path)?.message;
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  const error = (value as { error?: unknown } | null)?.error as Record<string, unknown> | undefined;
  return typeof error?.code === 'string' && typeof error.message === 'string';
}

/** Turns an openapi-fetch error result into an ApiError (any shape: proxies may answer plain text). */
export function toApiError(status: number, body: unknown): ApiError {
  if (!isErrorBody(body)) return new ApiError(status, 'INTERNAL', `The server answered HTTP ${status}.`);
  const { code, message, details, requestId } = body.error;
  const rawIssues = Array.isArray(details?.issues) ? (details.issues as unknown[]) : [];
  const issues = rawIssues.flatMap((issue) => {
    const { path, message: text } = (issue ?? {}) as { path?: unknown; message?: unknown };
    return typeof text === 'string' ? [{ path: String(path ?? ''), message: text }] : [];
  });
  return new ApiError(status, code, message, issues, requestId, details?.reauthenticate === true);
}

/** `data` of an openapi-fetch result, or the error thrown as an ApiError (for TanStack Query). */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) {
    if (result.response.ok && result.error === undefined) return undefined as T; // 204 No Content
    throw toApiError(result.response.status, result.error);
  }
  return result.data;
}

/** A message for a person: the server's, or a plain one when the network failed. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return 'Could not reach CartWatch. Check your connection and try again.';
  return 'Something went wrong.';
}

/**
 * HTTP client for service-to-service calls on `/internal/*`: sends the service key, request id and user
 * identity, times out, and retries only what is safe to repeat.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorBody, type ErrorCode, type ServiceName, type UserRole } from '@cartwatch/common-types';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { AppError, codeForStatus } from './app-error.js';
import { exponentialBackoffMs } from './backoff.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface InternalClientOptions {
  /** e.g. `http://price-watch:8082`; may carry a path prefix. */
  baseUrl: string;
  serviceKey: string;
  /** The calling service, sent as the User-Agent so the callee's logs show who called. */
  caller: ServiceName;
  /** Per attempt, including reading the body; default 5000. */
  timeoutMs?: number;
  /** Extra attempts for retryable calls; default 2. */
  retries?: number;
  /** First backoff step; doubles per retry, with jitter; default 100. */
  retryBaseDelayMs?: number;
  /** Retries are logged at warn when given. */
  logger?: Logger;
}

export interface InternalCallOptions<S extends z.ZodType | undefined = undefined> {
  /** The X-Request-Id of the request being served, so logs of both services line up. */
  requestId?: string;
  /** The user the call acts for (X-User-Id / X-User-Role / X-User-Retailer). */
  user?: { id: string; role: UserRole; retailer?: string | undefined };
  /** Makes a POST/PATCH retryable: the callee promises to apply the same key only once. */
  idempotencyKey?: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Validates the response body; without it the result is `unknown`. */
  schema?: S;
}

export type InternalResult<S> = S extends z.ZodType ? z.output<S> : unknown;

export interface InternalClient {
  request<S extends z.ZodType | undefined = undefined>(
    method: HttpMethod,
    path: string,
    body?: unknown,
    options?: InternalCallOptions<S>,
  ): Promise<InternalResult<S>>;
  get<S extends z.ZodType | undefined = undefined>(
    path: string,
    options?: InternalCallOptions<S>,
  ): Promise<InternalResult<S>>;
  post<S extends z.ZodType | undefined = undefined>(
    path: string,
    body?: unknown,
    options?: InternalCallOptions<S>,
  ): Promise<InternalResult<S>>;
  put<S extends z.ZodType | undefined = undefined>(
    path: string,
    body?: unknown,
    options?: InternalCallOptions<S>,
  ): Promise<InternalResult<S>>;
  patch<S extends z.ZodType | undefined = undefined>(
    path: string,
    body?: unknown,
    options?: InternalCallOptions<S>,
  ): Promise<InternalResult<S>>;
  delete<S extends z.ZodType | undefined = undefined>(
    path: string,
    options?: InternalCallOptions<S>,
  ): Promise<InternalResult<S>>;
}

/**
 * A non-2xx answer from a peer. Its `code` is the peer's own code when the body is our error shape, so an
 * unhandled NOT_FOUND or CONFLICT reaches the client unchanged; a peer's 401 becomes INTERNAL, because it
 * means this service's key or identity forwarding is wrong, not the end user's credentials.
 */
export class InternalHttpError extends AppError {
  override readonly name: string = 'InternalHttpError';
  /** The peer's HTTP status (`status` is the one this service will answer with). */
  readonly upstreamStatus: number;
  readonly body: unknown;
  /** The code the peer answered with (or derived from its status). */
  readonly upstreamCode: ErrorCode;
  readonly method: HttpMethod;
  readonly url: string;

  constructor(init: {
    status: number;
    body: unknown;
    method: HttpMethod;
    url: string;
  }) {
    const parsed = ErrorBody.safeParse(init.body);
    const upstreamCode = parsed.success ? parsed.data.error.code : codeForStatus(init.status);
    const code: ErrorCode = upstreamCode === 'UNAUTHENTICATED' ? 'INTERNAL' : upstreamCode;
    const message = parsed.success ? parsed.data.error.message : `upstream answered ${init.status}`;
    super(code, message, parsed.success ? parsed.data.error.details : undefined);
    this.upstreamStatus = init.status;
    this.body = init.body;
    this.upstreamCode = upstreamCode;
    this.method = init.method;
    this.url = init.url;
  }
}

const retryableStatuses = new Set([502, 503, 504]);
const idempotentMethods = new Set<HttpMethod>(['GET', 'HEAD', 'PUT', 'DELETE']);
const maxBackoffMs = 2000;

type AttemptOutcome = { ok: true; body: unknown } | { ok: false; error: unknown; retryable: boolean };

function validated<S extends z.ZodType | undefined>(
  body: unknown,
  schema: S | undefined,
  call: string,
): InternalResult<S> {
  if (schema === undefined) return body as InternalResult<S>;
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    // A peer breaking its contract is our bug, not the client's: INTERNAL, never VALIDATION_FAILED.
    throw new AppError('INTERNAL', `unexpected response from ${call}`, undefined, { cause: parsed.error });
  }
  return parsed.data as InternalResult<S>;
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text === '') return undefined;
  if (contentType?.includes('json')) return JSON.parse(text);
  return text;
}

export function createInternalClient(clientOptions: InternalClientOptions): InternalClient {
  const baseUrl = clientOptions.baseUrl.replace(/\/+$/, '');
  const defaultTimeoutMs = clientOptions.timeoutMs ?? 5000;
  const retries = clientOptions.retries ?? 2;
  const retryBaseDelayMs = clientOptions.retryBaseDelayMs ?? 100;

  function urlFor(path: string, query: InternalCallOptions['query']): string {
    if (!path.startsWith('/')) throw new Error(`internal client path must start with '/': ${path}`);
    const url = new URL(baseUrl + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  function headersFor(options: InternalCallOptions<z.ZodType | undefined>, hasBody: boolean): Headers {
    const headers = new Headers(options.headers);
    headers.set('accept', 'application/json');
    headers.set('user-agent', `cartwatch-${clientOptions.caller}`);
    headers.set('x-service-key', clientOptions.serviceKey);
    if (hasBody) headers.set('content-type', 'application/json');
    if (options.requestId !== undefined) headers.set('x-request-id', options.requestId);
    if (options.user !== undefined) {
      headers.set('x-user-id', options.user.id);
      headers.set('x-user-role', options.user.role);
      if (options.user.retailer !== undefined) headers.set('x-user-retailer', options.user.retailer);
    }
    if (options.idempotencyKey !== undefined) headers.set('idempotency-key', options.idempotencyKey);
    return headers;
  }

  /** One fetch, body included, under its own timeout. Never throws: failures say whether a retry may help. */
  async function attempt(
    method: HttpMethod,
    url: string,
    init: { headers: Headers; body: string | undefined },
    timeoutMs: number,
    callerSignal: AbortSignal | undefined,
  ): Promise<AttemptOutcome> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = callerSignal ? AbortSignal.any([timeout, callerSignal]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { method, headers: init.headers, body: init.body ?? null, signal });
      text = await response.text();
    } catch (cause) {
      if (callerSignal?.aborted) return { ok: false, error: callerSignal.reason, retryable: false };
      if (timeout.aborted) {
        const error = new AppError('UPSTREAM_TIMEOUT', 'upstream service timed out', undefined, { cause });
        return { ok: false, error, retryable: true };
      }
      const error = new AppError('UPSTREAM_UNAVAILABLE', 'upstream service unavailable', undefined, {
        cause,
      });
      return { ok: false, error, retryable: true };
    }

    let body: unknown;
    try {
      body = parseBody(text, response.headers.get('content-type'));
    } catch (cause) {
      if (response.ok) {
        const error = new AppError('INTERNAL', `invalid JSON from ${method} ${url}`, undefined, { cause });
        return { ok: false, error, retryable: false };
      }
      body = text;
    }
    if (!response.ok) {
      const error = new InternalHttpError({ status: response.status, body, method, url });
      return { ok: false, error, retryable: retryableStatuses.has(response.status) };
    }
    return { ok: true, body };
  }

  async function request<S extends z.ZodType | undefined = undefined>(
    method: HttpMethod,
    path: string,
    body?: unknown,
    options: InternalCallOptions<S> = {},
  ): Promise<InternalResult<S>> {
    const url = urlFor(path, options.query);
    const hasBody = body !== undefined;
    const init = { headers: headersFor(options, hasBody), body: hasBody ? JSON.stringify(body) : undefined };
    // Repeating a call is only safe when the method is idempotent or the callee de-duplicates by key.
    const mayRetry = idempotentMethods.has(method) || init.headers.has('idempotency-key');
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;

    for (let retry = 0; ; retry++) {
      const outcome = await attempt(method, url, init, timeoutMs, options.signal);
      if (outcome.ok) return validated<S>(outcome.body, options.schema, `${method} ${url}`);
      if (!outcome.retryable || !mayRetry || retry >= retries) throw outcome.error;
      const delayMs = exponentialBackoffMs(retry + 1, retryBaseDelayMs, maxBackoffMs);
      clientOptions.logger?.warn(
        { method, url, retry: retry + 1, delayMs, err: outcome.error },
        'retrying internal call',
      );
      await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }

  type Options<S extends z.ZodType | undefined> = InternalCallOptions<S> | undefined;
  return {
    request,
    get: <S extends z.ZodType | undefined = undefined>(path: string, options?: Options<S>) =>
      request<S>('GET', path, undefined, options),
    post: <S extends z.ZodType | undefined = undefined>(path: string, body?: unknown, options?: Options<S>) =>
      request<S>('POST', path, body, options),
    put: <S extends z.ZodType | undefined = undefined>(path: string, body?: unknown, options?: Options<S>) =>
      request<S>('PUT', path, body, options),
    patch: <S extends z.ZodType | undefined = undefined>(
      path: string,
      body?: unknown,
      options?: Options<S>,
    ) => request<S>('PATCH', path, body, options),
    delete: <S extends z.ZodType | undefined = undefined>(path: string, options?: Options<S>) =>
      request<S>('DELETE', path, undefined, options),
  };
}

/**
 * GETs of a user's product page (and, for a rendered page, of its scripts, JSON and styles) over
 * service-kit's SSRF-safe client (packages/service-kit/src/safe-http.ts: public addresses only, the
 * connection pinned to the checked address, every redirect hop re-checked, size and time capped). What is
 * price-watch's own: the Accept header and user agent, and that a non-2xx page is an HTTP_ERROR.
 */
import {
  type SafeHttpErrorCode,
  type SafeHttpFailure,
  type SafeHttpPolicy,
  safeRequest,
} from '@cartwatch/service-kit/safe-http';

export interface FetchPolicy
  extends Pick<
    SafeHttpPolicy,
    | 'resolve'
    | 'connect'
    | 'allowLoopback'
    | 'allowedLoopbackOrigins'
    | 'maxBytes'
    | 'timeoutMs'
    | 'maxRedirects'
  > {
  userAgent: string;
}

export type FetchErrorCode = Exclude<SafeHttpErrorCode, 'REFUSED_URL'> | 'HTTP_ERROR';

export type FetchFailure = { ok: false; code: FetchErrorCode; message: string };
export type FetchResult =
  | { ok: true; url: string; status: number; contentType: string | undefined; body: string }
  | FetchFailure;
/** The same answer with the body as bytes (scripts, JSON and styles of a rendered page). */
export type FetchBytesResult =
  | { ok: true; url: string; status: number; contentType: string | undefined; body: Buffer }
  | FetchFailure;

function failure(failed: SafeHttpFailure): FetchFailure {
  // No vetUrl is passed, so REFUSED_URL cannot happen; it would be an unsupported URL.
  return {
    ok: false,
    code: failed.code === 'REFUSED_URL' ? 'UNSUPPORTED_URL' : failed.code,
    message: failed.message,
  };
}

/** Fetches a page as text: see fetchBytesSafely. */
export async function fetchSafely(rawUrl: string, policy: FetchPolicy): Promise<FetchResult> {
  const fetched = await fetchBytesSafely(rawUrl, policy);
  return fetched.ok ? { ...fetched, body: fetched.body.toString('utf8') } : fetched;
}

/** GET under the policy; a non-2xx answer is HTTP_ERROR. */
export async function fetchBytesSafely(
  rawUrl: string,
  policy: FetchPolicy,
  accept = 'text/html,application/xhtml+xml',
): Promise<FetchBytesResult> {
  const { userAgent, ...safe } = policy;
  const answer = await safeRequest(
    { url: rawUrl, method: 'GET', headers: { 'user-agent': userAgent, accept } },
    safe,
  );
  if (!answer.ok) return failure(answer);
  if (answer.status < 200 || answer.status >= 300)
    return { ok: false, code: 'HTTP_ERROR', message: `the page answered HTTP ${answer.status}` };
  return {
    ok: true,
    url: answer.url,
    status: answer.status,
    contentType: answer.contentType,
    body: answer.body,
  };
}

/**
 * Token-like query parameters never reach a log: every URL a service logs (pino-http's request line, the
 * fast paths' lines) goes through `redactUrlQuery`, which keeps the path and the harmless parameters and
 * replaces the value of any parameter whose name looks like a credential.
 */

export const REDACTED = '[redacted]';

/** Name parts that mark a credential: `token`, `access_token`, `api_key`, `x-amz-signature`, `otp`... */
const sensitiveWords = [
  'token',
  'code',
  'key',
  'secret',
  'password',
  'passwd',
  'signature',
  'credential',
  'session',
];
const sensitiveNames = new Set(['pwd', 'pass', 'sig', 'otp', 'jwt', 'auth', 'authorization']);

/** Whether a query parameter's value must be redacted, by its name (case and separators ignored). */
export function isSensitiveParameter(name: string): boolean {
  const normalized = name.toLowerCase();
  if (sensitiveNames.has(normalized.replace(/[^a-z0-9]/g, ''))) return true;
  return sensitiveWords.some((word) => normalized.includes(word));
}

/** `url` (a path with an optional query, as in `req.url`) with sensitive parameter values redacted. */
export function redactUrlQuery(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const start = url.indexOf('?');
  if (start === -1) return url;
  const fragment = url.indexOf('#', start);
  const queryEnd = fragment === -1 ? url.length : fragment;
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(url.slice(start + 1, queryEnd));
  } catch {
    return `${url.slice(0, start)}?${REDACTED}`;
  }
  let changed = false;
  for (const name of new Set(params.keys())) {
    if (!isSensitiveParameter(name)) continue;
    params.set(name, REDACTED);
    changed = true;
  }
  return changed ? `${url.slice(0, start)}?${params.toString()}` : url;
}

/** A parsed query object (express's `req.query`) with sensitive values redacted. */
export function redactQuery(query: unknown): unknown {
  if (typeof query !== 'object' || query === null) return query;
  return Object.fromEntries(
    Object.entries(query).map(([name, value]) => [name, isSensitiveParameter(name) ? REDACTED : value]),
  );
}

/**
 * The security headers of every response (helmet with its defaults). createServiceApp applies them as
 * middleware; `securityHeaderList()` gives the same headers as a fixed list, for a response written
 * outside express (the gateway's proxied requests), so both paths always send the same set.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

export function securityHeaders() {
  return helmet();
}

/** The headers `securityHeaders()` sets, captured once: helmet's default headers do not vary per request. */
export function securityHeaderList(): ReadonlyArray<readonly [string, string]> {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers.set(name, String(value));
    },
    removeHeader(name: string) {
      headers.delete(name);
    },
  };
  let failure: unknown;
  securityHeaders()(
    { headers: {} } as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error?: unknown) => {
      failure = error;
    },
  );
  if (failure) throw failure;
  return [...headers];
}

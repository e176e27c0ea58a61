/**
 * The security headers of every response (helmet's defaults, scripts from 'self' plus WebAssembly). createServiceApp applies them as
 * middleware; `securityHeaderList()` gives the same headers as a fixed list, for a response written
 * outside express (the gateway's proxied requests), so both paths always send the same set.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      // 'wasm-unsafe-eval' lets the web app compile its own WebAssembly (the barcode decoder, served from
      // 'self'); it allows no JavaScript eval (docs/security.md).
      directives: { scriptSrc: ["'self'", "'wasm-unsafe-eval'"] },
    },
  });
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

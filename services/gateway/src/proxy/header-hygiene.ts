/**
 * Identity is asserted only by the gateway: every client-sent x-user-*, x-service-* and x-device-*
 * header is deleted before anything else looks at the request (docs/architecture.md#request-path).
 */
import type { IncomingMessage } from 'node:http';

const FORBIDDEN_PREFIXES = ['x-user-', 'x-service-', 'x-device-'];

export function stripClientIdentityHeaders(req: IncomingMessage): void {
  for (const name of Object.keys(req.headers)) {
    if (FORBIDDEN_PREFIXES.some((prefix) => name.startsWith(prefix))) delete req.headers[name];
  }
  // rawHeaders is what some proxies replay; keep it consistent with headers.
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    const name = raw[i]?.toLowerCase() ?? '';
    if (FORBIDDEN_PREFIXES.some((prefix) => name.startsWith(prefix))) raw.splice(i, 2);
  }
}

/**
 * What a handler that answers outside the router knows about its request (the gateway's proxy answers
 * route-table requests from middleware): the route label for the latency histogram, the user and extra
 * fields for the completion log line, and the level of that line. The metrics and the request logger read
 * it, so such a request is counted and logged as the gateway's fast path counts and logs the same one.
 */
import type { IncomingMessage } from 'node:http';
import type { Level } from 'pino';

export interface RequestAnnotation {
  /** The histogram's `route` label when no express route matched (e.g. the route table's prefix). */
  route?: string;
  userId?: string | undefined;
  /** More fields of the completion log line, e.g. `{ service: 'orders' }`. */
  fields?: Record<string, unknown>;
  /** The level of the completion line by status (an error thrown still logs at error). */
  logLevel?: (status: number) => Level;
}

const annotations = new WeakMap<IncomingMessage, RequestAnnotation>();

export function annotateRequest(req: IncomingMessage, annotation: RequestAnnotation): void {
  annotations.set(req, { ...annotations.get(req), ...annotation });
}

export function requestAnnotation(req: IncomingMessage): RequestAnnotation | undefined {
  return annotations.get(req);
}

/**
 * GET /me/events: the signed-in user's events as Server-Sent Events. `Last-Event-ID` (a stream sequence)
 * replays what the client missed; a comment line every SSE_HEARTBEAT_SECONDS keeps proxies from closing
 * the connection; the stream ends when the access token expires (the client reconnects with a fresh one)
 * and at once when its session ends (logout, logout-all, password change, deletion).
 */
import {
  AppError,
  defineRoute,
  errorResponses,
  loggerFor,
  type RouteDefinition,
} from '@cartwatch/service-kit';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { sessionOf } from '../auth/authenticate.js';
import type { OpenStreams } from './open-streams.js';
import type { PushedEvent, RealtimeHub } from './realtime-hub.js';

export interface RealtimeRouteDeps {
  hub: RealtimeHub;
  /** Signed-in users only (requireSession). */
  session: RequestHandler;
  heartbeatMs: number;
  logger: Logger;
  /** Open streams by session, so shutdown and ended sessions can end them. */
  openStreams: OpenStreams;
}

function writeEvent(res: Response, event: PushedEvent): void {
  const payload = JSON.stringify({
    id: event.envelope.id,
    type: event.envelope.type,
    occurredAt: event.envelope.occurredAt,
    data: event.envelope.data,
  });
  res.write(`id: ${event.seq}\nevent: ${event.name}\ndata: ${payload}\n\n`);
}

export function realtimeRoutes(deps: RealtimeRouteDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/me/events',
      tags: ['realtime'],
      summary:
        'Server-Sent Events: alert.created, order.status-changed, cart.updated, device.paired of the signed-in user',
      use: [deps.session],
      request: {
        // Documented only: the handler checks it (a bad one is a 400 before the stream opens).
        headers: z.object({
          'last-event-id': z.string().regex(/^\d+$/).optional().describe('Resume after this event id'),
        }),
      },
      responses: {
        200: {
          description: 'An event stream; ids are stream sequences, `: heartbeat` comments keep it open',
          content: { 'text/event-stream': { schema: z.string() } },
        },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      handler: (_input, req, res) => streamEvents(deps, req, res),
    }),
  ];
}

async function streamEvents(deps: RealtimeRouteDeps, req: Request, res: Response): Promise<void> {
  const { userId, sessionId, exp } = sessionOf(res);
  const lastEventIdHeader = req.get('last-event-id');
  const lastEventId = lastEventIdHeader === undefined ? undefined : Number(lastEventIdHeader);
  if (lastEventId !== undefined && !(Number.isSafeInteger(lastEventId) && lastEventId >= 0)) {
    throw AppError.validation([
      { path: 'Last-Event-ID', message: 'must be a stream sequence number', code: 'invalid_format' },
    ]);
  }
  await deps.hub.start();

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 3000\n\n');
  deps.openStreams.add(sessionId, res);

  // Live events are buffered while the catch-up runs, then released without duplicates.
  let highWater = lastEventId ?? 0;
  let pending: PushedEvent[] | undefined = lastEventId === undefined ? undefined : [];
  const deliver = (event: PushedEvent) => {
    if (pending) pending.push(event);
    else if (event.seq > highWater) {
      highWater = event.seq;
      writeEvent(res, event);
    }
  };
  const unsubscribe = deps.hub.subscribe(userId, deliver);
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), deps.heartbeatMs);
  const expiry = setTimeout(() => res.end(), Math.max(0, exp * 1000 - Date.now()));
  const cleanup = () => {
    clearInterval(heartbeat);
    clearTimeout(expiry);
    unsubscribe();
    deps.openStreams.delete(sessionId, res);
  };
  res.on('close', cleanup);

  if (lastEventId !== undefined) {
    try {
      await deps.hub.catchUp(userId, lastEventId, (event) => {
        if (event.seq > highWater) {
          highWater = event.seq;
          writeEvent(res, event);
        }
      });
    } catch (error) {
      loggerFor(req, deps.logger).warn({ err: error }, 'realtime catch-up failed; continuing live');
    }
    const buffered = pending ?? [];
    pending = undefined;
    for (const event of buffered) deliver(event);
  }
}

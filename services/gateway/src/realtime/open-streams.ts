/**
 * The SSE streams this replica holds open, by session: shutdown ends them all (clients reconnect to
 * another replica), and a session that ends anywhere (logout, logout-all, revocation, deletion) has
 * its streams closed here at once, so nothing more is delivered on a stream opened before.
 */
import type { ServerResponse } from 'node:http';
import type { SessionRevocations } from '../auth/session-revocations.js';

export class OpenStreams {
  private readonly bySession = new Map<string, Set<ServerResponse>>();

  constructor(revocations: Pick<SessionRevocations, 'onEnded'>) {
    revocations.onEnded((sessionIds) => {
      for (const id of sessionIds) for (const res of this.bySession.get(id) ?? []) res.end();
    });
  }

  add(sessionId: string, res: ServerResponse): void {
    const streams = this.bySession.get(sessionId) ?? new Set();
    streams.add(res);
    this.bySession.set(sessionId, streams);
  }

  delete(sessionId: string, res: ServerResponse): void {
    const streams = this.bySession.get(sessionId);
    if (!streams) return;
    streams.delete(res);
    if (streams.size === 0) this.bySession.delete(sessionId);
  }

  endAll(): void {
    for (const streams of this.bySession.values()) for (const res of streams) res.end();
  }
}

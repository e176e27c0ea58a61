/**
 * Open-loop load at a fixed rate (issue #24): request i is scheduled at start + i / rate, whatever the
 * server's answers did before, and its latency runs from that scheduled time to the end of its body,
 * so a stall shows in every request it delays (no coordinated omission). A closed-loop generator
 * (autocannon, wrk) sends the next request when one comes back, so it sends fewer while the server is
 * slow and never times the requests it did not send.
 * Requests go out over an undici Pool of keep-alive connections; a request that finds every
 * connection busy waits in the pool, and that wait counts in its latency. Exported for bench/pricing.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface OpenLoopOptions {
  origin: string;
  /** The path of the i-th request (a random product, ...). */
  pathFor: (index: number) => string;
  headers: Record<string, string>;
  /** Requests per second, spread evenly over each second. */
  rate: number;
  durationSeconds: number;
  /** Keep-alive connections of the pool (an upper bound; opened as needed). */
  connections: number;
  /** A request without its full answer after this long is an error. */
  timeoutMs: number;
  /** An answer whose body this returns false for is counted in `rejectedAnswers` (e.g. an empty series). */
  accept?: (body: string) => boolean;
}

export interface OpenLoopResult {
  scheduled: number;
  completed: number;
  non2xx: number;
  errors: number;
  rejectedAnswers: number;
  /** Completed requests per second of the schedule. */
  rps: number;
  /** The latest any request left the generator after its scheduled time (the generator's own lag). */
  maxSendLagMs: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Every latency in ms, so runs can be pooled. */
  latencies: number[];
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function summary(latencies: number[]): OpenLoopResult['latencyMs'] {
  const sorted = Float64Array.from(latencies).sort();
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? Number.NaN),
  };
}

export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const pool = new Pool(options.origin, {
    connections: options.connections,
    pipelining: 1,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const total = Math.round(options.rate * options.durationSeconds);
  const intervalMs = 1000 / options.rate;
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let rejectedAnswers = 0;
  let maxSendLagMs = 0;
  const inFlight = new Set<Promise<void>>();

  const send = (index: number, scheduledAt: number) => {
    const path = options.pathFor(index);
    const done = (async () => {
      try {
        const response = await pool.request({
          origin: options.origin,
          method: 'GET',
          path,
          headers: options.headers,
        });
        const body = await response.body.text();
        const latency = performance.now() - scheduledAt;
        if (response.statusCode < 200 || response.statusCode > 299) non2xx++;
        else if (options.accept && !options.accept(body)) rejectedAnswers++;
        latencies.push(latency);
      } catch {
        errors++;
      }
    })();
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };

  const start = performance.now();
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Every request due by now, each timed from its own scheduled time.
      while (next < total && start + next * intervalMs <= now) {
        const scheduledAt = start + next * intervalMs;
        maxSendLagMs = Math.max(maxSendLagMs, now - scheduledAt);
        send(next, scheduledAt);
        next++;
      }
      if (next >= total) resolve();
      else setTimeout(tick, Math.max(0, Math.min(1, start + next * intervalMs - performance.now())));
    };
    tick();
  });
  await Promise.all(inFlight);
  await pool.close();
  return {
    scheduled: total,
    completed: latencies.length,
    non2xx,
    errors,
    rejectedAnswers,
    rps: Math.round(latencies.length / options.durationSeconds),
    maxSendLagMs: Math.round(maxSendLagMs * 100) / 100,
    latencyMs: summary(latencies),
    latencies,
  };
}

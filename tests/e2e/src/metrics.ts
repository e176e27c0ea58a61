/** Reading a service's Prometheus text from its management port (tests and benchmarks). */

/** A service's samples `name{labels} value` from one process's /metrics. */
export async function samples(
  managementUrl: string,
  name: string,
): Promise<Array<{ labels: string; value: number }>> {
  const text = await (await fetch(`${managementUrl}/metrics`)).text();
  const found: Array<{ labels: string; value: number }> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^[^{ ]+(\{.*\})? (\S+)$/.exec(line);
    if (match) found.push({ labels: match[1] ?? '', value: Number(match[2]) });
  }
  return found;
}

/** One label's value in a sample's `{a="x",b="y"}`. */
export function label(labels: string, name: string): string | undefined {
  return new RegExp(`${name}="([^"]*)"`).exec(labels)?.[1];
}

/** Cumulative counts of `http_request_duration_seconds` per bucket bound (seconds), all routes summed. */
export async function latencyBuckets(managementUrl: string): Promise<Map<number, number>> {
  const buckets = new Map<number, number>();
  for (const sample of await samples(managementUrl, 'http_request_duration_seconds_bucket')) {
    const bound = label(sample.labels, 'le');
    if (bound === undefined) continue;
    const le = bound === '+Inf' ? Number.POSITIVE_INFINITY : Number(bound);
    buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
  }
  return buckets;
}

/**
 * Requests between two bucket snapshots and the bucket bound their p50 / p99 fall under (the histogram's
 * resolution: 5, 10, 25, 50, 100, 250 ms ...; `Infinity` above the last bound).
 */
export function latencyBetween(
  before: Map<number, number>,
  after: Map<number, number>,
): { requests: number; p50UnderMs: number; p99UnderMs: number } {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const requests = counts.at(-1) ?? 0;
  const under = (share: number) => {
    const index = counts.findIndex((count) => count >= share * requests);
    const bound = bounds[index] ?? Number.POSITIVE_INFINITY;
    return bound * 1000;
  };
  return { requests, p50UnderMs: under(0.5), p99UnderMs: under(0.99) };
}

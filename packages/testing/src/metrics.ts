/** Reading Prometheus counters in tests, without a dependency on prom-client (only its shape is used). */

/** The part of a prom-client Registry the helpers read. */
export interface MetricsReader {
  getSingleMetric(name: string):
    | {
        get(): Promise<{
          values: Array<{ value: number; labels: Partial<Record<string, string | number>> }>;
        }>;
      }
    | undefined;
}

/** Sum of a counter's values whose labels include `labels` (0 when the counter does not exist yet). */
export async function counterValue(
  registry: MetricsReader,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected))
    .reduce((sum, value) => sum + value.value, 0);
}

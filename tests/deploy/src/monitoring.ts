/**
 * What the alerts may read (docs/deploy.md, "Monitoring"): the Prometheus metrics the services' code
 * defines (prom-client `new Gauge|Counter|Histogram|Summary({ name, labelNames })` under packages/*\/src and
 * services/*\/src), and the metric names and grouping labels a PromQL expression uses (parsed with
 * Prometheus's own grammar, @prometheus-io/lezer-promql).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { readText, repoPath } from './repo.js';

export interface ExportedMetric {
  name: string;
  kind: 'Gauge' | 'Counter' | 'Histogram' | 'Summary';
  labels: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'node_modules' ? [] : sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every metric defined in the services' and packages' sources, with its label names. */
export function exportedMetrics(): Map<string, ExportedMetric> {
  const metrics = new Map<string, ExportedMetric>();
  const roots = ['packages', 'services'].flatMap((top) =>
    readdirSync(repoPath(top))
      .map((name) => repoPath(top, name, 'src'))
      .filter((dir) => {
        try {
          return statSync(dir).isDirectory();
        } catch {
          return false;
        }
      }),
  );
  for (const file of roots.flatMap(sourceFiles)) {
    const text = readText(file);
    const constants = new Map(
      [...text.matchAll(/const (\w+) = '([a-z_:][a-z0-9_:]*)';/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
    );
    const starts = [...text.matchAll(/new (Gauge|Counter|Histogram|Summary)(?:<[^>]*>)?\(\{/g)];
    starts.forEach((start, index) => {
      const end = starts[index + 1]?.index ?? text.length;
      const body = text.slice(start.index, end);
      const literal = /\bname: '([a-z_:][a-z0-9_:]*)'/.exec(body)?.[1];
      const reference = /\bname: (\w+),/.exec(body)?.[1];
      const name = literal ?? (reference ? constants.get(reference) : undefined);
      if (!name) return;
      const labels = /labelNames: \[([^\]]*)\]/.exec(body)?.[1] ?? '';
      metrics.set(name, {
        name,
        kind: start[1] as ExportedMetric['kind'],
        labels: [...labels.matchAll(/'([a-zA-Z_]\w*)'/g)].map((m) => m[1] ?? ''),
      });
    });
  }
  return metrics;
}

/** The series names Prometheus stores for a metric (a histogram's buckets, count and sum). */
export function seriesNames(metric: ExportedMetric): string[] {
  return metric.kind === 'Histogram' || metric.kind === 'Summary'
    ? [`${metric.name}_bucket`, `${metric.name}_count`, `${metric.name}_sum`, metric.name]
    : [metric.name];
}

/** Metric names and grouping labels (`by (...)`) of a PromQL expression; a syntax error throws. */
export function promqlReferences(expr: string): { metrics: string[]; groupingLabels: string[] } {
  const metrics: string[] = [];
  const groupingLabels: string[] = [];
  const errors: number[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector')
        metrics.push(expr.slice(node.from, node.to));
      if (node.name === 'LabelName' && node.node.parent?.name === 'GroupingLabels')
        groupingLabels.push(expr.slice(node.from, node.to));
    },
  });
  if (errors.length > 0) throw new Error(`PromQL syntax error at ${errors[0]}: ${expr}`);
  return { metrics, groupingLabels };
}

/**
 * Monitoring in the rendered overlays (docs/deploy.md, "Monitoring"): every service scraped on its
 * management port by a PodMonitor, Prometheus admitted to that port and no other, and alerts for the
 * 5xx rate, p99 latency, outbox backlog age, consumer lag, dead letters and the NATS connection that read
 * only metrics the services export, with labels those metrics carry.
 */
import { serviceNames, services } from '@cartwatch/common-types';
import { describe, expect, it } from 'vitest';
import { podSpecOf, renderKustomization } from '../src/kustomize.js';
import { exportedMetrics, promqlReferences, seriesNames } from '../src/monitoring.js';
import { findObject, isRecord, type KubeObject, repoPath } from '../src/repo.js';

const rec = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});
const list = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.map(rec) : []);
const metrics = exportedMetrics();
const series = new Map([...metrics.values()].flatMap((m) => seriesNames(m).map((s) => [s, m] as const)));
// Labels every scraped series has: the registry's default `service`, and Prometheus's target labels.
const targetLabels = ['service', 'namespace', 'pod', 'instance', 'job', 'container', 'endpoint'];

const matches = (selector: unknown, labels: Record<string, string>) =>
  Object.entries(rec(rec(selector).matchLabels)).every(([k, v]) => labels[k] === v) &&
  rec(selector).matchExpressions === undefined;

describe('promqlReferences', () => {
  it('finds metric names and grouping labels, and refuses a syntax error', () => {
    expect(promqlReferences('sum by (service, le) (rate(a_bucket{x="1"}[5m])) / b > 1')).toEqual({
      metrics: ['a_bucket', 'b'],
      groupingLabels: ['service', 'le'],
    });
    expect(() => promqlReferences('sum(rate(a[5m])')).toThrow(/syntax error/);
  });

  it('knows the metrics the services define', () => {
    expect(metrics.get('http_request_duration_seconds')).toMatchObject({
      kind: 'Histogram',
      labels: ['method', 'route', 'status'],
    });
    expect(metrics.get('cartwatch_consumer_lag')?.labels).toEqual(['consumer']);
  });
});

describe.each(['dev', 'prod'])('monitoring in overlay %s', (overlay) => {
  const objects = renderKustomization(repoPath(`k8s/overlays/${overlay}`)).objects;
  const podMonitors = objects.filter((o) => o.kind === 'PodMonitor');
  const rules = objects.filter((o) => o.kind === 'PrometheusRule');
  const alerts = rules.flatMap((r) => list(rec(r.spec).groups).flatMap((g) => list(g.rules)));
  const deployment = (name: string): KubeObject => findObject(objects, 'Deployment', name);

  it.each(serviceNames)('scrapes %s on its management port at /metrics', (name) => {
    const template = rec(rec(deployment(name).spec).template);
    const labels = rec(rec(template.metadata).labels) as Record<string, string>;
    const ports = list(list(rec(podSpecOf(deployment(name))).containers)[0]?.ports);
    const covering = podMonitors.filter((m) => matches(rec(m.spec).selector, labels));
    expect(covering, `${name}: PodMonitors`).toHaveLength(1);
    const endpoints = list(rec(covering[0]?.spec).podMetricsEndpoints);
    expect(endpoints.length).toBeGreaterThan(0);
    for (const endpoint of endpoints) {
      expect(endpoint.path).toBe('/metrics');
      const port = ports.find((p) => p.name === endpoint.port);
      expect(port?.containerPort, `${name}: ${String(endpoint.port)}`).toBe(services[name].managementPort);
    }
  });

  it('lets Prometheus reach every service on its management port, and on no other port', () => {
    const fromPrometheus = (peer: Record<string, unknown>) =>
      rec(rec(peer.namespaceSelector).matchLabels)['kubernetes.io/metadata.name'] === 'monitoring' &&
      rec(rec(peer.podSelector).matchLabels)['app.kubernetes.io/name'] === 'prometheus';
    for (const name of serviceNames) {
      const labels = rec(rec(rec(rec(deployment(name).spec).template).metadata).labels) as Record<
        string,
        string
      >;
      const admitted = objects
        .filter((o) => o.kind === 'NetworkPolicy' && matches(rec(o.spec).podSelector, labels))
        .flatMap((p) => list(rec(p.spec).ingress))
        .filter((rule) => list(rule.from).some(fromPrometheus))
        .flatMap((rule) => list(rule.ports).map((p) => p.port));
      expect(admitted, name).toEqual(['management']);
    }
  });

  it('labels its monitoring objects for the kube-prometheus-stack release', () => {
    for (const object of [...podMonitors, ...rules])
      expect(object.metadata.labels?.release, object.metadata.name).toBe('kube-prometheus-stack');
  });

  it('alerts on the 5xx rate, p99 latency, outbox backlog age, consumer lag, dead letters and NATS', () => {
    const read = new Set(alerts.flatMap((a) => promqlReferences(String(a.expr)).metrics));
    for (const wanted of [
      'http_request_duration_seconds_count',
      'http_request_duration_seconds_bucket',
      'cartwatch_outbox_oldest_age_seconds',
      'cartwatch_consumer_lag',
      'cartwatch_dlq_total',
      'cartwatch_nats_connected',
    ])
      expect(read, wanted).toContain(wanted);
    const fiveXx = alerts.find((a) => String(a.expr).includes('status=~"5.."'));
    expect(fiveXx?.alert).toBeDefined();
    const p99 = alerts.find((a) => String(a.expr).includes('histogram_quantile(0.99'));
    expect(p99?.alert).toBeDefined();
  });

  it('reads only metrics the services export, grouped by labels they carry', () => {
    expect(alerts.length).toBeGreaterThan(0);
    for (const alert of alerts) {
      const { metrics: used, groupingLabels } = promqlReferences(String(alert.expr));
      const known = new Set([...targetLabels]);
      for (const name of used) {
        const metric = series.get(name);
        expect(metric, `${String(alert.alert)}: ${name} is not exported`).toBeDefined();
        for (const label of metric?.labels ?? []) known.add(label);
        if (name.endsWith('_bucket')) known.add('le');
      }
      for (const label of groupingLabels)
        expect(known, `${String(alert.alert)}: by ${label}`).toContain(label);
      expect(['warning', 'critical']).toContain(rec(alert.labels).severity);
      expect(String(rec(alert.annotations).summary ?? '')).not.toBe('');
    }
  });
});

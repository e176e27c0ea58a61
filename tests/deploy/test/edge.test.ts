/**
 * The public edge never routes the operational paths (`/internal`, `/ready`, `/metrics`:
 * common-types' edgeDeniedPrefixes) to anything, asked of the rendered overlays the way ingress-nginx
 * would answer a request: host by host, the Ingresses merged, the URI normalised as nginx does before it
 * picks a location, and only annotations whose effect the model knows (docs/deploy.md, "Kubernetes
 * layout").
 */
import { edgeDeniedPrefixes, serviceNames, services } from '@cartwatch/common-types';
import { describe, expect, it } from 'vitest';
import { podSpecOf, renderKustomization } from '../src/kustomize.js';
import { edgeIngressFor, nginxNormalizedUri } from '../src/policy.js';
import { isRecord, type KubeObject, objectId, repoPath } from '../src/repo.js';

const rec = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});
const list = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.map(rec) : []);

/** The ingress-nginx annotations the manifests may use: none of them changes which location answers. */
const knownAnnotations = new Set([
  'cert-manager.io/cluster-issuer',
  'nginx.ingress.kubernetes.io/proxy-body-size',
  'nginx.ingress.kubernetes.io/proxy-read-timeout',
  'nginx.ingress.kubernetes.io/ssl-redirect',
  'nginx.ingress.kubernetes.io/denylist-source-range',
]);

/** Requests a client could send for an operational path, and nginx's view of them. */
const attempts = (prefix: string) => [
  prefix,
  `${prefix}/`,
  `${prefix}/x`,
  `/${prefix}`,
  `${prefix}//x`,
  `/.${prefix}`,
  `/auth/..${prefix}/x`,
  `/auth/%2e%2e${prefix}`,
  `/%${prefix.charCodeAt(1).toString(16)}${prefix.slice(2)}`,
  `${prefix}%2Fx`,
];

describe('nginx URI normalisation', () => {
  it('decodes, merges slashes and resolves dot segments, as nginx does before matching', () => {
    expect(nginxNormalizedUri('/a//b/./c/../d')).toBe('/a/b/d');
    expect(nginxNormalizedUri('/auth/%2e%2e/internal')).toBe('/internal');
    expect(nginxNormalizedUri('/%6detrics')).toBe('/metrics');
    expect(nginxNormalizedUri('/ready%2Fx')).toBe('/ready/x');
    expect(() => nginxNormalizedUri('/../x')).toThrow(/above the root/);
  });
});

describe.each(['dev', 'prod'])('the edge of overlay %s', (overlay) => {
  const objects = renderKustomization(repoPath(`k8s/overlays/${overlay}`)).objects;
  const ingresses = objects.filter((o) => o.kind === 'Ingress');
  const hosts = [...new Set(ingresses.flatMap((i) => list(rec(i.spec).rules).map((r) => String(r.host))))];
  const onHost = (host: string) =>
    ingresses
      .map((ingress) => ({
        ...ingress,
        spec: { ...rec(ingress.spec), rules: list(rec(ingress.spec).rules).filter((r) => r.host === host) },
      }))
      .filter((ingress) => ingress.spec.rules.length > 0) as KubeObject[];

  it('uses only ingress-nginx annotations that leave path matching alone (no regex, rewrite or snippet)', () => {
    expect(ingresses.length).toBeGreaterThan(0);
    for (const ingress of ingresses)
      for (const name of Object.keys(rec(ingress.metadata.annotations)))
        expect(knownAnnotations, `${objectId(ingress)}: ${name}`).toContain(name);
    for (const ingress of ingresses)
      expect(rec(ingress.spec).defaultBackend, objectId(ingress)).toBeUndefined();
  });

  it.each(edgeDeniedPrefixes)(
    'refuses %s however it is spelled, on every host, to every client',
    (prefix) => {
      expect(hosts.length).toBeGreaterThan(0);
      for (const host of hosts) {
        for (const request of attempts(prefix)) {
          const chosen = edgeIngressFor(onHost(host), nginxNormalizedUri(request));
          const where = `${host}${request}`;
          expect(chosen, where).toBeDefined();
          const denied = String(
            rec(chosen?.metadata.annotations)['nginx.ingress.kubernetes.io/denylist-source-range'] ?? '',
          ).split(',');
          expect(denied.sort(), where).toEqual(['0.0.0.0/0', '::/0']);
        }
      }
    },
  );

  it('sends no Ingress path to a management port (where /ready and /metrics answer)', () => {
    const managementPorts = new Set(serviceNames.map((name) => services[name].managementPort));
    for (const ingress of ingresses) {
      const backends = list(rec(ingress.spec).rules).flatMap((rule) =>
        list(rec(rule.http).paths).map((path) => rec(rec(path.backend).service)),
      );
      for (const backend of backends) {
        const where = `${objectId(ingress)} -> ${String(backend.name)}`;
        const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === backend.name);
        expect(service, where).toBeDefined();
        const port = list(rec(service?.spec).ports).find(
          (p) => p.name === rec(backend.port).name || p.port === rec(backend.port).number,
        );
        expect(port, where).toBeDefined();
        const workload = objects.find(
          (o) =>
            o.kind === 'Deployment' &&
            Object.entries(rec(rec(service?.spec).selector)).every(
              ([k, v]) => rec(rec(rec(rec(o.spec).template).metadata).labels)[k] === v,
            ),
        );
        const containerPorts = list(rec(podSpecOf(workload as KubeObject)).containers).flatMap((c) =>
          list(c.ports),
        );
        const target = containerPorts.find(
          (p) => p.name === port?.targetPort || p.containerPort === port?.targetPort,
        );
        expect(target, where).toBeDefined();
        expect(target?.name, where).not.toBe('management');
        expect(managementPorts.has(Number(target?.containerPort)), where).toBe(false);
      }
    }
  });

  it('asks cert-manager for each TLS secret through one Ingress only (two would fight over its Certificate)', () => {
    const requested = ingresses
      .filter((i) => rec(i.metadata.annotations)['cert-manager.io/cluster-issuer'] !== undefined)
      .flatMap((i) => list(rec(i.spec).tls).map((t) => String(t.secretName)));
    expect(requested.length).toBeGreaterThan(0);
    expect(requested).toEqual([...new Set(requested)]);
    // Every secret an Ingress serves is one that some Ingress asks cert-manager for.
    for (const ingress of ingresses)
      for (const tls of list(rec(ingress.spec).tls)) expect(requested).toContain(tls.secretName);
  });
});

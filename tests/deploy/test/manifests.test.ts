import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  apiPathPrefixes,
  edgeDeniedPrefixes,
  gatewayEdgePrefixes,
  type ServiceName,
  serviceNames,
  services,
} from '@cartwatch/common-types';
import { CONSUMER_DEFAULTS } from '@cartwatch/events';
import { describe, expect, it } from 'vitest';
import { containerEnvironment } from '../src/environment.js';
import { podContainers, podSpecOf, renderKustomization, sourceOf } from '../src/kustomize.js';
import { promqlReferences } from '../src/monitoring.js';
import {
  callGraph,
  cidrCovers,
  edgeIngressFor,
  egressAllows,
  egressCidrs,
  imageProblems,
  ingressAdmits,
  ingressBackend,
  internetEgressProblems,
  isWorkload,
  probeProblems,
  restrictedSecurityProblems,
  secretValueProblems,
  selects,
} from '../src/policy.js';
import { isRecord, type KubeObject, loadYaml, objectId, readText, repoPath, repoRoot } from '../src/repo.js';
import { validateObject } from '../src/validate-objects.js';

const overlays = ['dev', 'prod'];
const controllersDir = (env: string) => `k8s/infrastructure/${env}/controllers`;
const configsDir = (env: string) => `k8s/infrastructure/${env}/configs`;
const renderedDirs = [
  ...overlays.flatMap((env) => [controllersDir(env), configsDir(env)]),
  ...overlays.map((o) => `k8s/overlays/${o}`),
  ...overlays.map((o) => `k8s/clusters/${o}`),
];
const rendered = new Map(renderedDirs.map((dir) => [dir, renderKustomization(repoPath(dir))]));
// Flux's own controllers and CRDs, as `flux bootstrap` writes them into gotk-components.yaml, are
// upstream's release manifests: checked by the Flux project, not held to CartWatch's rules.
const isFluxComponent = (obj: KubeObject) =>
  sourceOf(obj)?.endsWith('/flux-system/gotk-components.yaml') === true;
const objectsOf = (dir: string): KubeObject[] =>
  (rendered.get(dir)?.objects ?? []).filter((o) => !isFluxComponent(o));
const allObjects = renderedDirs.flatMap(objectsOf);
// Stores and watched pages (receipt-ingest, price-watch), Stripe (orders), deliveries (gateway).
const internetServices = ['price-watch', 'receipt-ingest', 'orders', 'gateway'];
const calls = callGraph(readText(repoPath('docs/configuration.md')), services);

const rec = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});
const find = (objects: KubeObject[], kind: string, name: string): KubeObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} not rendered`);
  return found;
};
const containerOf = (deployment: KubeObject, name: string) => {
  const container = (rec(podSpecOf(deployment)).containers as unknown[])
    .map(rec)
    .find((c) => c.name === name);
  if (!container) throw new Error(`${objectId(deployment)} has no container ${name}`);
  return container;
};
const envOf = (container: Record<string, unknown>) => (container.env as unknown[]).map(rec);

function kustomizationDirs(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const here = entries.some((e) => e.isFile() && e.name === 'kustomization.yaml')
    ? [relative(repoRoot, dir)]
    : [];
  return [
    ...here,
    ...entries.filter((e) => e.isDirectory()).flatMap((e) => kustomizationDirs(join(dir, e.name))),
  ];
}

describe('rendering', () => {
  it('renders every kustomization under k8s/, directly or through an overlay', () => {
    const reached = new Set([...rendered.values()].flatMap((r) => r.files));
    for (const dir of kustomizationDirs(repoPath('k8s'))) {
      expect(reached, `${dir} is never rendered`).toContain(`${dir}/kustomization.yaml`);
    }
  });

  it('renders every YAML file under k8s/ through some kustomization', () => {
    const reached = new Set([...rendered.values()].flatMap((r) => r.files));
    const yamlFiles = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory()
          ? yamlFiles(join(dir, e.name))
          : e.name.endsWith('.yaml')
            ? [relative(repoRoot, join(dir, e.name))]
            : [],
      );
    for (const file of yamlFiles(repoPath('k8s')))
      expect(reached, `${file} is not referenced`).toContain(file);
  });
});

describe.each(renderedDirs)('%s', (dir) => {
  it('validates every object against its schema with unknown fields rejected', () => {
    const objects = objectsOf(dir);
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.flatMap(validateObject)).toEqual([]);
  });

  it('runs every workload with the restricted security context, requests and limits, pinned images', () => {
    expect(objectsOf(dir).flatMap(restrictedSecurityProblems)).toEqual([]);
  });

  it('gives every long-running container liveness and readiness probes', () => {
    expect(objectsOf(dir).flatMap(probeProblems)).toEqual([]);
  });

  it('commits no secret values', () => {
    expect(objectsOf(dir).flatMap(secretValueProblems)).toEqual([]);
  });

  it('puts every namespaced object in the cartwatch or flux-system namespace', () => {
    for (const obj of objectsOf(dir)) {
      if (['Namespace', 'ClusterIssuer'].includes(obj.kind)) continue;
      expect(['cartwatch', 'flux-system'], objectId(obj)).toContain(obj.metadata.namespace);
    }
  });

  it('gives no cluster-scoped object a namespace (kustomize would, to a custom resource under `namespace:`)', () => {
    // The renderer namespaces a ClusterIssuer exactly as `kubectl kustomize` does; the manifests must
    // keep it out of every kustomization that sets a namespace.
    for (const obj of objectsOf(dir).filter((o) => ['Namespace', 'ClusterIssuer'].includes(o.kind)))
      expect(obj.metadata.namespace, objectId(obj)).toBeUndefined();
  });
});

describe.each(overlays)('overlay %s', (overlay) => {
  const objects = objectsOf(`k8s/overlays/${overlay}`);
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');

  it.each(serviceNames)(
    'ships %s with a Deployment, Service, ServiceAccount, PodDisruptionBudget and NetworkPolicy',
    (name) => {
      const deployment = find(objects, 'Deployment', name);
      const service = find(objects, 'Service', name);
      find(objects, 'ServiceAccount', name);
      find(objects, 'PodDisruptionBudget', name);
      const policy = find(objects, 'NetworkPolicy', name);
      const podLabels = rec(rec(rec(deployment.spec).template).metadata).labels as Record<string, string>;
      expect(selects(policy, podLabels)).toBe(true);
      expect(rec(policy.spec).policyTypes).toEqual(['Ingress', 'Egress']);
      expect(rec(podSpecOf(deployment)).serviceAccountName).toBe(name);
      const port = services[name].port;
      // The Service carries only the service port: nothing in the cluster reaches /metrics through it.
      expect(rec(service.spec).ports).toEqual([{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }]);
      expect(containerOf(deployment, name).ports).toEqual([
        { name: 'http', containerPort: port, protocol: 'TCP' },
        { name: 'management', containerPort: services[name].managementPort, protocol: 'TCP' },
      ]);
    },
  );

  it.each(serviceNames)(
    'probes %s and lets Prometheus scrape it on its management port, never the service port',
    (name) => {
      const deployment = find(objects, 'Deployment', name);
      const container = containerOf(deployment, name);
      const managementPort = services[name].managementPort;
      expect(envOf(container).find((e) => e.name === 'MANAGEMENT_PORT')?.value).toBe(String(managementPort));
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        expect(rec(rec(container[probe]).httpGet).port, probe).toBe('management');
      }
      expect(rec(rec(container.readinessProbe).httpGet).path).toBe('/ready');
      const annotations = rec(rec(rec(deployment.spec).template).metadata).annotations;
      expect(annotations).toEqual({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(managementPort),
        'prometheus.io/path': '/metrics',
      });
    },
  );

  it.each(serviceNames)(
    'runs the migrations of %s in an init container from the same image before it starts',
    (name) => {
      const deployment = find(objects, 'Deployment', name);
      const init = (rec(podSpecOf(deployment)).initContainers as unknown[]).map(rec);
      expect(init.map((c) => c.name)).toEqual(['migrate']);
      expect(init[0]?.args).toEqual(['dist/migrate.js', 'latest']);
      expect(init[0]?.image).toBe(containerOf(deployment, name).image);
      expect(init[0]?.env).toEqual(containerOf(deployment, name).env);
    },
  );

  it.each(serviceNames)(
    'configures %s only through the ConfigMap and Secret references it documents',
    (name) => {
      const container = containerOf(find(objects, 'Deployment', name), name);
      const env = envOf(container);
      const byName = new Map(env.map((e) => [e.name, e]));
      expect(rec(rec(byName.get('SERVICE_KEY')?.valueFrom).secretKeyRef)).toEqual({
        name: 'cartwatch-service-key',
        key: 'SERVICE_KEY',
      });
      for (const [variable, key] of [
        ['DB_USER', 'username'],
        ['DB_PASSWORD', 'password'],
      ] as const) {
        expect(rec(rec(byName.get(variable)?.valueFrom).secretKeyRef)).toEqual({
          name: `cartwatch-db-${name}`,
          key,
        });
      }
      expect(byName.get('DATABASE_URL')?.value).toMatch(
        /^postgres:\/\/\$\(DB_USER\):\$\(DB_PASSWORD\)@cartwatch-db-rw:5432\/cartwatch\?/,
      );
      // $(VAR) expansion only sees variables defined earlier in the list.
      const order = env.map((e) => e.name);
      expect(order.indexOf('DB_PASSWORD')).toBeLessThan(order.indexOf('DATABASE_URL'));
      const refs = (container.envFrom as unknown[]).map((e) => rec(rec(e).configMapRef).name);
      const own = objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === `${name}-config`);
      expect(refs).toEqual(own ? ['cartwatch-config', `${name}-config`] : ['cartwatch-config']);
    },
  );

  it.each([
    ['gateway', 'cartwatch-gateway-delivery', ['SMTP_URL', 'SMS_PROVIDER_URL']],
    ['gateway', 'cartwatch-gateway-keys', ['JWT_SIGNING_KEYS']],
    ['gateway', 'cartwatch-gateway-push', ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY', 'VAPID_SUBJECT']],
    ['receipt-ingest', 'cartwatch-receipt-ingest', ['CREDENTIAL_KEYS', 'INBOUND_EMAIL_SECRET']],
    ['cart-device', 'cartwatch-cart-device', ['DEVICE_KEY_PEPPER']],
  ] as const)('gives %s the secrets production requires from the Secret %s', (name, secret, variables) => {
    const env = envOf(containerOf(find(objects, 'Deployment', name), name));
    for (const variable of variables) {
      expect(rec(rec(env.find((e) => e.name === variable)?.valueFrom).secretKeyRef), variable).toEqual({
        name: secret,
        key: variable,
      });
    }
  });

  it.each(['price-watch', 'receipt-ingest'])(
    'gives %s (Chromium) a memory-backed /dev/shm and a writable /tmp',
    (name) => {
      const deployment = find(objects, 'Deployment', name);
      const mounts = (containerOf(deployment, name).volumeMounts as unknown[]).map(rec);
      const volumes = (rec(podSpecOf(deployment)).volumes as unknown[]).map(rec);
      const volumeAt = (path: string) =>
        volumes.find((v) => v.name === mounts.find((m) => m.mountPath === path)?.name);
      expect(rec(volumeAt('/dev/shm')?.emptyDir).medium).toBe('Memory');
      expect(volumeAt('/tmp')?.emptyDir).toBeDefined();
    },
  );

  it('points NATS and Redis at their in-cluster Services and the gateway at every upstream', () => {
    const shared = rec(find(objects, 'ConfigMap', 'cartwatch-config').data);
    expect(shared.NATS_URL).toBe('nats://nats:4222');
    expect(shared.REDIS_URL).toBe('redis://redis:6379');
    expect(shared.NODE_ENV).toBe('production');
    const gateway = rec(find(objects, 'ConfigMap', 'gateway-config').data);
    for (const name of serviceNames.filter((n) => n !== 'gateway')) {
      expect(gateway[services[name].urlEnv]).toBe(`http://${name}:${services[name].port}`);
      find(objects, 'Service', name);
    }
  });

  it('sets only variables that docs/configuration.md documents (DB_USER/DB_PASSWORD only build DATABASE_URL)', () => {
    const documented = new Set(
      [...readText(repoPath('docs/configuration.md')).matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]),
    );
    const configMapKeys = objects
      .filter((o) => o.kind === 'ConfigMap')
      .flatMap((o) => Object.keys(rec(o.data)));
    const envNames = serviceNames.flatMap((name) =>
      envOf(containerOf(find(objects, 'Deployment', name), name)).map((e) => String(e.name)),
    );
    for (const variable of [...configMapKeys, ...envNames]) {
      if (variable === 'DB_USER' || variable === 'DB_PASSWORD') continue;
      expect(documented, variable).toContain(variable);
    }
  });

  /** A service's pods at most: the HPA's maximum (or the fixed count) plus the pod a rolling update adds. */
  const mostPods = (name: ServiceName): number => {
    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === name);
    const spec = rec(find(objects, 'Deployment', name).spec);
    return (
      Number(hpa ? rec(hpa.spec).maxReplicas : (spec.replicas ?? 1)) +
      Number(rec(rec(spec.strategy).rollingUpdate).maxSurge ?? 1)
    );
  };

  it('keeps every service’s pools within its role’s connection limit at its most pods, and the roles within max_connections', () => {
    const cluster = rec(find(objectsOf(configsDir(overlay)), 'Cluster', 'cartwatch-db').spec);
    const roles = (rec(cluster.managed).roles as unknown[]).map(rec);
    for (const name of serviceNames) {
      const deployment = find(objects, 'Deployment', name);
      const env = containerEnvironment(deployment, name, objects, () => 'placeholder');
      const pods = mostPods(name);
      const pool = Number(env.DB_POOL_MAX ?? 10);
      const limit = Number(roles.find((r) => r.name === services[name].schema)?.connectionLimit);
      expect(
        pods * pool,
        `${name}: ${pods} pods × ${pool} connections, role limit ${limit}`,
      ).toBeLessThanOrEqual(limit);
    }
    // superuser_reserved_connections (3) and the operator's own sessions need room beside the roles.
    const total = roles.reduce((sum, role) => sum + Number(role.connectionLimit), 0);
    expect(total + 10).toBeLessThanOrEqual(Number(rec(rec(cluster.postgresql).parameters).max_connections));
  });

  it('keeps the event consumers’ batch locks within Postgres’ lock table at every service’s most pods', () => {
    // A consumer's batch holds an advisory lock per user until it commits: each pod's lanes x batch, every
    // service counted as a consumer (most are: user.deleted.v1 at least), plus a relation lock or two per
    // connection. The lock table has max_locks_per_transaction x max_connections entries.
    const parameters = rec(
      rec(rec(find(objectsOf(configsDir(overlay)), 'Cluster', 'cartwatch-db').spec).postgresql).parameters,
    );
    const lockTable = Number(parameters.max_locks_per_transaction ?? 64) * Number(parameters.max_connections);
    const pods = serviceNames.reduce((sum, name) => sum + mostPods(name), 0);
    const batchLocks = pods * CONSUMER_DEFAULTS.concurrency * CONSUMER_DEFAULTS.batchSize;
    const relationLocks = 2 * Number(parameters.max_connections);
    expect(batchLocks + relationLocks, `${pods} pods, lock table ${lockTable}`).toBeLessThanOrEqual(
      lockTable,
    );
  });

  it('autoscales the gateway and price-watch, and only them', () => {
    const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.metadata.name).sort()).toEqual(['gateway', 'price-watch']);
    for (const hpa of hpas) {
      expect(rec(rec(hpa.spec).scaleTargetRef)).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: hpa.metadata.name,
      });
      expect(rec(hpa.spec).minReplicas).toBeGreaterThanOrEqual(2);
      // The HPA owns the replica count; a fixed one would fight it on every apply.
      expect(rec(find(objects, 'Deployment', hpa.metadata.name).spec).replicas).toBeUndefined();
    }
  });

  it('denies all traffic by default, and leaves DNS to the infrastructure layer applied before it', () => {
    const deny = find(objects, 'NetworkPolicy', 'default-deny-all');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(objects.some((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-dns')).toBe(false);
  });

  it('lets cert-manager’s HTTP-01 solver pods answer the ingress controller on 8089, and nothing else', () => {
    const solver = { 'acme.cert-manager.io/http01-solver': 'true' };
    const selecting = policies.filter((p) => selects(p, solver) && rec(p.spec).ingress !== undefined);
    expect(selecting.map((p) => p.metadata.name)).toEqual(['allow-acme-http01-solver']);
    expect(rec(selecting[0]?.spec).policyTypes).toEqual(['Ingress']);
    expect(rec(selecting[0]?.spec).ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 8089 }],
      },
    ]);
  });

  it('admits traffic to the gateway from the ingress controller only, and to other services from their callers only', () => {
    for (const name of serviceNames) {
      const ingress = rec(find(policies, 'NetworkPolicy', name).spec).ingress as unknown[];
      const peers = ingress.flatMap((rule) => (rec(rule).from as unknown[]).map(rec));
      const fromOtherNamespace = peers.filter(
        (p) => p.namespaceSelector !== undefined || p.ipBlock !== undefined,
      );
      if (name === 'gateway') {
        expect(fromOtherNamespace).toHaveLength(1);
        expect(rec(fromOtherNamespace[0]?.namespaceSelector).matchLabels).toEqual({
          'kubernetes.io/metadata.name': 'ingress-nginx',
        });
      } else expect(fromOtherNamespace).toEqual([]);
      for (const rule of ingress)
        expect(rec(rule).ports).toEqual([{ protocol: 'TCP', port: services[name].port }]);
    }
  });

  it('derives the call graph from the services’ config: the gateway calls every service, orders price-watch, cart-device orders and price-watch, shrinkflation the gateway', () => {
    expect(calls.get('gateway')).toEqual(serviceNames.filter((n) => n !== 'gateway'));
    expect(calls.get('orders')).toEqual(['price-watch']);
    expect(calls.get('cart-device')).toEqual(['price-watch', 'orders']);
    expect(calls.get('shrinkflation')).toEqual(['gateway']);
  });

  it.each(serviceNames)(
    'sets every *_URL %s reads to the Service of the service it means, and nothing else',
    (name) => {
      const deployment = find(objects, 'Deployment', name);
      const env = containerEnvironment(deployment, name, objects, () => 'placeholder');
      for (const target of calls.get(name) ?? []) {
        const { urlEnv, port } = services[target];
        expect(env[urlEnv], `${name}: ${urlEnv}`).toBe(`http://${target}:${port}`);
        expect(rec(find(objects, 'Service', target).spec).ports).toEqual([
          { name: 'http', port, targetPort: 'http', protocol: 'TCP' },
        ]);
      }
      const others = serviceNames.filter((t) => t !== name && !(calls.get(name) ?? []).includes(t));
      for (const target of others)
        expect(env[services[target].urlEnv], `${name} does not call ${target}`).toBeUndefined();
    },
  );

  it('lets exactly the calls of the call graph through, in both directions', () => {
    for (const caller of serviceNames) {
      const callerPolicy = find(policies, 'NetworkPolicy', caller);
      for (const target of serviceNames.filter((n) => n !== caller)) {
        const expected = (calls.get(caller) ?? []).includes(target);
        const { port } = services[target];
        const edge = `${caller} -> ${target}`;
        expect(egressAllows(callerPolicy, { 'app.kubernetes.io/name': target }, port), edge).toBe(expected);
        expect(
          ingressAdmits(find(policies, 'NetworkPolicy', target), { 'app.kubernetes.io/name': caller }, port),
          edge,
        ).toBe(expected);
      }
    }
  });

  it('lets every service reach Postgres, NATS and Redis', () => {
    for (const name of serviceNames) {
      const egress = (rec(find(policies, 'NetworkPolicy', name).spec).egress as unknown[]).map(rec);
      const reaches = (labels: Record<string, string>, port: number) =>
        egress.some(
          (rule) =>
            (rule.ports as unknown[]).some((p) => rec(p).port === port) &&
            (rule.to as unknown[]).some((peer) => {
              const match = rec(rec(rec(peer).podSelector).matchLabels);
              return (
                Object.keys(match).length > 0 && Object.entries(match).every(([k, v]) => labels[k] === v)
              );
            }),
        );
      expect(
        reaches({ 'cnpg.io/cluster': 'cartwatch-db', 'app.kubernetes.io/name': 'postgres' }, 5432),
        `${name} -> postgres`,
      ).toBe(true);
      expect(reaches({ 'app.kubernetes.io/name': 'nats' }, 4222), `${name} -> nats`).toBe(true);
      expect(reaches({ 'app.kubernetes.io/name': 'redis' }, 6379), `${name} -> redis`).toBe(true);
    }
  });

  it('gives internet egress to price-watch, receipt-ingest, orders (Stripe) and the gateway (deliveries) only, excluding cluster ranges and the metadata address', () => {
    for (const policy of policies) {
      const cidrs = egressCidrs(policy);
      if (internetServices.includes(policy.metadata.name)) {
        expect(cidrs).toContain('0.0.0.0/0');
        expect(internetEgressProblems(policy)).toEqual([]);
      } else if (!['postgres'].includes(policy.metadata.name)) {
        expect(cidrs, `${policy.metadata.name} has internet egress`).toEqual([]);
      }
    }
  });

  it('publishes CartWatch through one Ingress with TLS for its host, the operator’s own', () => {
    // The host is whatever the operator set in the overlay (docs/deploy.md, step 2): checked for
    // consistency, never against a literal, so setting your own keeps these checks green.
    const hostsOf = (name: string) => {
      const spec = rec(find(objects, 'Ingress', name).spec);
      return {
        rules: (spec.rules as unknown[]).map((r) => String(rec(r).host)),
        tls: (spec.tls as unknown[]).map(rec).flatMap((t) => t.hosts as string[]),
      };
    };
    const main = hostsOf('cartwatch');
    expect(main.rules).toHaveLength(1);
    const host = main.rules[0] ?? '';
    expect(host).toMatch(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/);
    // The certificate cert-manager issues for the Ingress (cartwatch-tls) covers exactly that host.
    expect(main.tls).toEqual([host]);
    expect(hostsOf('cartwatch-operational-deny')).toEqual({ rules: [host], tls: [host] });
    // dev and prod are different sites.
    const other = overlays.find((o) => o !== overlay) ?? '';
    const otherRules = rec(find(objectsOf(`k8s/overlays/${other}`), 'Ingress', 'cartwatch').spec).rules;
    expect((otherRules as unknown[]).map((r) => rec(r).host)).not.toContain(host);
    // The receipt addresses' domain is the overlay's own as well, never the local default.
    const domain = String(rec(find(objects, 'ConfigMap', 'receipt-ingest-config').data).INBOUND_EMAIL_DOMAIN);
    expect(domain).toMatch(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/);
    expect(domain).not.toMatch(/\.local$/);
  });

  it.each(gatewayEdgePrefixes)('routes the API path %s and the paths under it to the gateway', (prefix) => {
    const ingress = find(objects, 'Ingress', 'cartwatch');
    expect(ingressBackend(ingress, prefix)).toBe('gateway');
    expect(ingressBackend(ingress, `${prefix}/x`)).toBe('gateway');
    expect(edgeIngressFor(objects, prefix)?.metadata.name).toBe('cartwatch');
  });

  it.each(edgeDeniedPrefixes)(
    'refuses the operational path %s and the paths under it to every client at the edge',
    (prefix) => {
      const ingresses = objects.filter((o) => o.kind === 'Ingress');
      for (const path of [prefix, `${prefix}/x`]) {
        // The Ingress whose path ingress-nginx picks for this host (the longest match of all of them).
        const chosen = edgeIngressFor(ingresses, path);
        expect(chosen?.metadata.name, path).toBe('cartwatch-operational-deny');
        const denied = String(
          rec(rec(chosen?.metadata).annotations)['nginx.ingress.kubernetes.io/denylist-source-range'] ?? '',
        ).split(',');
        expect(denied.sort(), path).toEqual(['0.0.0.0/0', '::/0']);
      }
      // The main Ingress does not list it, so nothing routes it to the gateway or the web app's /ready.
      const main = find(objects, 'Ingress', 'cartwatch');
      const mainPaths = (rec(main.spec).rules as unknown[]).flatMap((rule) =>
        (rec(rec(rule).http).paths as unknown[]).map((entry) => rec(entry).path),
      );
      expect(mainPaths).not.toContain(prefix);
    },
  );

  it('serves the denying Ingress on the same host and certificate as the main one', () => {
    const main = rec(find(objects, 'Ingress', 'cartwatch').spec);
    const deny = rec(find(objects, 'Ingress', 'cartwatch-operational-deny').spec);
    expect((deny.rules as unknown[]).map((r) => rec(r).host)).toEqual(
      (main.rules as unknown[]).map((r) => rec(r).host),
    );
    expect(deny.tls).toEqual(main.tls);
    expect(deny.ingressClassName).toBe(main.ingressClassName);
  });

  it('routes every other path to the web app, and nothing else to the gateway', () => {
    const ingress = find(objects, 'Ingress', 'cartwatch');
    for (const path of [
      '/',
      '/app',
      '/app/admin/coupons',
      '/sign-in',
      '/explore/inflation',
      '/assets/index-abc.js',
      '/sw.js',
      '/manifest.webmanifest',
      // `/storesx` is not under `/stores` (nested prefixes such as /me/events are their parent's).
      ...apiPathPrefixes
        .filter((prefix) => !apiPathPrefixes.some((parent) => prefix.startsWith(`${parent}/`)))
        .map((prefix) => `${prefix}x`),
    ]) {
      expect(ingressBackend(ingress, path), path).toBe('web');
    }
    const paths = (rec(ingress.spec).rules as unknown[]).flatMap(
      (rule) => rec(rec(rule).http).paths as unknown[],
    );
    for (const entry of paths.map(rec)) {
      const backend = rec(rec(entry.backend).service);
      expect(backend.port).toEqual({ name: 'http' });
      if (backend.name === 'gateway') expect(gatewayEdgePrefixes, String(entry.path)).toContain(entry.path);
      else
        expect(entry).toMatchObject({ path: '/', pathType: 'Prefix', backend: { service: { name: 'web' } } });
    }
  });

  it('ships the web app: Deployment, Service, ServiceAccount, PodDisruptionBudget and NetworkPolicy', () => {
    const deployment = find(objects, 'Deployment', 'web');
    const podSpec = rec(podSpecOf(deployment));
    expect(podSpec.serviceAccountName).toBe('web');
    expect(podSpec.initContainers).toBeUndefined();
    find(objects, 'ServiceAccount', 'web');
    find(objects, 'PodDisruptionBudget', 'web');
    expect(rec(find(objects, 'Service', 'web').spec).ports).toEqual([
      { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
    ]);
    const container = containerOf(deployment, 'web');
    expect(container.image).toMatch(/^ghcr\.io\/cartwatch\/web:/);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    // Static files only: no configuration, no secrets, nothing writable but /tmp.
    expect(container.env).toBeUndefined();
    expect(container.envFrom).toBeUndefined();
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(rec(rec(container.livenessProbe).httpGet)).toEqual({ path: '/health', port: 'http' });
    expect(rec(rec(container.readinessProbe).httpGet)).toEqual({ path: '/ready', port: 'http' });
    expect(rec(podSpec.securityContext).runAsUser).toBe(101);
    // Not a `service`: the data stores' policies admit that component, and web needs none of them.
    const labels = rec(rec(rec(deployment.spec).template).metadata).labels as Record<string, string>;
    expect(labels['app.kubernetes.io/component']).toBe('web');
    expect(objects.some((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'web')).toBe(
      false,
    );
  });

  it('lets only the ingress controller reach the web app, and the web app reach nothing', () => {
    const policy = find(policies, 'NetworkPolicy', 'web');
    const labels = rec(rec(rec(find(objects, 'Deployment', 'web').spec).template).metadata).labels;
    expect(selects(policy, labels as Record<string, string>)).toBe(true);
    const spec = rec(policy.spec);
    expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(spec.egress).toEqual([]);
    expect(spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ]);
  });
});

describe.each(overlays)('infrastructure configs %s', (env) => {
  const objects = objectsOf(configsDir(env));
  const cluster = find(objects, 'Cluster', 'cartwatch-db');
  const spec = rec(cluster.spec);

  it('runs one CloudNativePG cluster: three instances with a synchronous standby in prod, one small one in dev', () => {
    expect(objects.filter((o) => o.kind === 'Cluster')).toHaveLength(1);
    expect(spec.enableSuperuserAccess).toBe(false);
    if (env === 'prod') {
      expect(spec.instances).toBe(3);
      expect(rec(rec(spec.postgresql).synchronous)).toMatchObject({ method: 'any', number: 1 });
    } else {
      // A synchronous standby needs a second instance; dev has one.
      expect(spec.instances).toBe(1);
      expect(rec(spec.postgresql).synchronous).toBeUndefined();
    }
  });

  it('backs the cluster up through the Barman Cloud plugin: WAL continuously, a base backup every night, kept 30 days', () => {
    // The in-tree `backup.barmanObjectStore` is deprecated since CloudNativePG 1.26.
    expect(spec.backup).toBeUndefined();
    expect(spec.plugins).toEqual([
      {
        name: 'barman-cloud.cloudnative-pg.io',
        isWALArchiver: true,
        parameters: { barmanObjectName: 'cartwatch-db' },
      },
    ]);
    const store = rec(find(objects, 'ObjectStore', 'cartwatch-db').spec);
    expect(rec(store.configuration).destinationPath).toMatch(/^s3:\/\//);
    expect(store.retentionPolicy).toBe('30d');
    const scheduled = objects.filter((o) => o.kind === 'ScheduledBackup');
    expect(scheduled).toHaveLength(1);
    expect(rec(scheduled[0]?.spec)).toMatchObject({
      cluster: { name: 'cartwatch-db' },
      method: 'plugin',
      pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' },
    });
  });

  it('runs a current Postgres 17 minor and a current Valkey', () => {
    // 17.11 is the newest Postgres 17 release as of this check; an older minor misses security fixes.
    const pg = /^ghcr\.io\/cloudnative-pg\/postgresql:17\.(\d+)-standard-trixie$/.exec(
      String(spec.imageName),
    );
    expect(Number(pg?.[1]), String(spec.imageName)).toBeGreaterThanOrEqual(11);
    const image = String(podContainers(find(objects, 'Deployment', 'redis'))[0]?.image);
    const valkey = /^valkey\/valkey:(\d+)\.(\d+)\.(\d+)-alpine$/.exec(image);
    expect(Number(valkey?.[1]) * 100 + Number(valkey?.[2]), image).toBeGreaterThanOrEqual(901);
  });

  it('runs the same Valkey image as compose and CI', () => {
    const image = String(podContainers(find(objects, 'Deployment', 'redis'))[0]?.image);
    const compose = rec(rec(loadYaml(repoPath('infra/docker-compose.yml'))).services);
    expect(rec(compose.redis).image).toBe(image);
    const ci = rec(rec(rec(rec(loadYaml(repoPath('.github/workflows/ci.yml'))).jobs).test).services);
    expect(rec(ci.redis).image).toBe(image);
  });

  it('scrapes every Postgres instance’s exporter and every NATS server’s, and lets Prometheus reach only those ports', () => {
    const prometheus = { 'kubernetes.io/metadata.name': 'monitoring' };
    const fromPrometheus = (policy: KubeObject) =>
      ((rec(policy.spec).ingress ?? []) as unknown[])
        .map(rec)
        .filter((rule) =>
          (rule.from as unknown[]).some(
            (peer) =>
              JSON.stringify(rec(rec(peer).namespaceSelector).matchLabels) === JSON.stringify(prometheus) &&
              rec(rec(rec(peer).podSelector).matchLabels)['app.kubernetes.io/name'] === 'prometheus',
          ),
        )
        .flatMap((rule) => (rule.ports as unknown[]).map((p) => rec(p).port));
    const instance = {
      'cnpg.io/cluster': 'cartwatch-db',
      'cnpg.io/podRole': 'instance',
      ...(rec(rec(spec.inheritedMetadata).labels) as Record<string, string>),
    };
    const monitor = find(objects, 'PodMonitor', 'cartwatch-db');
    expect(selects({ ...monitor, spec: { podSelector: rec(monitor.spec).selector } }, instance)).toBe(true);
    expect(rec(monitor.spec).podMetricsEndpoints).toEqual([{ port: 'metrics', path: '/metrics' }]);
    expect(fromPrometheus(find(objects, 'NetworkPolicy', 'postgres'))).toEqual([9187]);
    const exporter = rec(rec(rec(find(objects, 'HelmRelease', 'nats').spec).values).promExporter);
    expect(exporter).toMatchObject({ enabled: true, podMonitor: { enabled: true } });
    expect(rec(rec(exporter.merge).securityContext)).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
    });
    expect(fromPrometheus(find(objects, 'NetworkPolicy', 'nats'))).toEqual([7777]);
    expect(fromPrometheus(find(objects, 'NetworkPolicy', 'redis'))).toEqual([]);
  });

  it('alerts on backup age, failed backups, replication lag and the data services’ exporters', () => {
    const rules = objects
      .filter((o) => o.kind === 'PrometheusRule')
      .flatMap((r) => (rec(r.spec).groups as unknown[]).flatMap((g) => (rec(g).rules as unknown[]).map(rec)));
    const byMetric = (metric: string) =>
      rules.filter((r) => promqlReferences(String(r.expr)).metrics.includes(metric)).map((r) => r.alert);
    expect(byMetric('barman_cloud_cloudnative_pg_io_last_available_backup_timestamp')).toEqual(
      expect.arrayContaining(['CartWatchBackupTooOld', 'CartWatchBackupFailed']),
    );
    expect(byMetric('barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp')).toEqual([
      'CartWatchBackupFailed',
    ]);
    expect(byMetric('cnpg_pg_replication_lag')).toEqual(['CartWatchReplicationLag']);
    expect(byMetric('cnpg_collector_up')).toEqual(['CartWatchPostgresExporterDown']);
    expect(byMetric('up')).toEqual(['CartWatchNatsServerDown']);
    for (const rule of rules) {
      expect(['warning', 'critical']).toContain(rec(rule.labels).severity);
      expect(String(rec(rule.annotations).summary ?? '')).not.toBe('');
    }
  });

  it.each(serviceNames)('gives %s a login role that owns its schema and nothing else', (name) => {
    const schema = services[name].schema;
    const roles = (rec(spec.managed).roles as unknown[]).map(rec);
    const role = roles.find((r) => r.name === schema);
    expect(role).toMatchObject({
      ensure: 'present',
      login: true,
      superuser: false,
      createdb: false,
      createrole: false,
      replication: false,
      bypassrls: false,
      passwordSecret: { name: `cartwatch-db-${name}` },
    });
    const sql = rec(rec(spec.bootstrap).initdb).postInitApplicationSQL as string[];
    expect(sql).toContain(`CREATE ROLE ${schema} NOLOGIN`);
    expect(sql).toContain(`CREATE SCHEMA ${schema} AUTHORIZATION ${schema}`);
    expect(sql).toContain('REVOKE ALL ON DATABASE cartwatch FROM PUBLIC');
    expect(sql).toContain('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    // No grant ever reaches another service's schema.
    const grants = sql.filter((s) => /^GRANT/.test(s) && s.includes(` TO ${schema}`));
    expect(grants).toEqual([`GRANT CONNECT ON DATABASE cartwatch TO ${schema}`]);
    expect(roles).toHaveLength(serviceNames.length);
  });

  it('pre-creates every extension a service migration creates (service roles may not)', () => {
    const sql = rec(rec(spec.bootstrap).initdb).postInitApplicationSQL as string[];
    const migrationsDirs = serviceNames.map((name) => repoPath('services', name, 'src/db/migrations'));
    const wanted = new Set<string>();
    for (const dir of migrationsDirs.filter((d) => existsSync(d))) {
      for (const file of readdirSync(dir)) {
        for (const match of readText(join(dir, file)).matchAll(/create extension if not exists (\w+)/gi)) {
          wanted.add(match[1]?.toLowerCase() ?? '');
        }
      }
    }
    for (const extension of wanted) {
      expect(sql, extension).toContain(`CREATE EXTENSION IF NOT EXISTS ${extension} WITH SCHEMA public`);
    }
  });

  it('installs NATS through a Flux HelmRelease: three clustered servers in prod, one in dev, JetStream on file storage', () => {
    const release = find(objects, 'HelmRelease', 'nats');
    const chart = rec(rec(rec(release.spec).chart).spec);
    const repo = find(objects, 'HelmRepository', rec(chart.sourceRef).name as string);
    expect(rec(repo.spec).url).toBe('https://nats-io.github.io/k8s/helm/charts/');
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
    const values = rec(rec(release.spec).values);
    expect(values.fullnameOverride).toBe('nats');
    const config = rec(values.config);
    expect(rec(config.cluster)).toEqual(
      env === 'prod' ? { enabled: true, replicas: 3 } : { enabled: false, replicas: 1 },
    );
    const jetstream = rec(config.jetstream);
    expect(jetstream.enabled).toBe(true);
    expect(rec(jetstream.fileStore)).toMatchObject({ enabled: true, pvc: { enabled: true } });
  });

  it('applies the restricted security context and resources to the NATS chart containers', () => {
    const values = rec(rec(find(objects, 'HelmRelease', 'nats').spec).values);
    const podSecurity = rec(rec(rec(rec(values.podTemplate).merge).spec).securityContext);
    expect(podSecurity).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    for (const part of ['container', 'reloader']) {
      const merge = rec(rec(values[part]).merge);
      expect(rec(merge.securityContext)).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(Object.keys(rec(rec(merge.resources).limits)).sort()).toEqual(['cpu', 'memory']);
    }
  });

  it('runs Redis behind a Service and a NetworkPolicy', () => {
    const deployment = find(objects, 'Deployment', 'redis');
    expect(isWorkload(deployment)).toBe(true);
    expect(rec(find(objects, 'Service', 'redis').spec).ports).toEqual([
      { name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' },
    ]);
    find(objects, 'NetworkPolicy', 'redis');
  });

  it('lets every pod resolve names with the infrastructure layer alone (CNPG and NATS dial each other by name)', () => {
    const dns = find(objects, 'NetworkPolicy', 'allow-dns');
    expect(rec(dns.spec).podSelector).toEqual({});
    expect(rec(dns.spec).policyTypes).toEqual(['Egress']);
    expect(rec(dns.spec).egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ]);
    // Every pod a policy of this layer restricts on egress (so the data services' and any other) is
    // selected by it: applied alone, before the apps, the layer resolves names.
    const egressPolicies = objects.filter(
      (o) => o.kind === 'NetworkPolicy' && (rec(o.spec).policyTypes as string[]).includes('Egress'),
    );
    expect(egressPolicies.map((p) => p.metadata.name)).toEqual(
      expect.arrayContaining(['postgres', 'nats', 'redis']),
    );
    for (const policy of egressPolicies)
      expect(
        selects(dns, rec(rec(policy.spec).podSelector).matchLabels as Record<string, string>),
        policy.metadata.name,
      ).toBe(true);
  });

  it('has a NetworkPolicy for Postgres, NATS and Redis that admits CartWatch services', () => {
    for (const name of ['postgres', 'nats', 'redis']) {
      const ingress = rec(find(objects, 'NetworkPolicy', name).spec).ingress as unknown[];
      const fromServices = ingress.some((rule) =>
        (rec(rule).from as unknown[]).some(
          (peer) => rec(rec(rec(peer).podSelector).matchLabels)['app.kubernetes.io/component'] === 'service',
        ),
      );
      expect(fromServices, name).toBe(true);
    }
  });

  it('lets Postgres reach only the Kubernetes API and object storage outside the cluster, never the metadata address', () => {
    // The instance manager needs the API server, whose address is cluster-specific (often private),
    // and barman-cloud needs the backup bucket: HTTPS ports only, link-local excluded.
    const egress = (rec(find(objects, 'NetworkPolicy', 'postgres').spec).egress as unknown[]).map(rec);
    const external = egress.filter((rule) =>
      (rule.to as unknown[]).some((peer) => rec(peer).ipBlock !== undefined),
    );
    expect(external).toHaveLength(1);
    expect(external[0]?.ports).toEqual([
      { protocol: 'TCP', port: 443 },
      { protocol: 'TCP', port: 6443 },
    ]);
    for (const peer of (external[0]?.to ?? []) as unknown[]) {
      const except = rec(rec(peer).ipBlock).except as string[];
      expect(except.some((range) => cidrCovers(range, '169.254.169.254/32'))).toBe(true);
    }
  });

  it.each(['cartwatch-db', 'cartwatch-db-restore'])(
    'covers the instances of a cluster named %s (the runbook’s restore: same spec, new name) with the policies',
    (clusterName) => {
      // The labels CloudNativePG gives an instance pod: its cluster's name and the inherited ones.
      const labels = {
        'cnpg.io/cluster': clusterName,
        'cnpg.io/podRole': 'instance',
        ...(rec(rec(spec.inheritedMetadata).labels) as Record<string, string>),
      };
      const postgres = find(objects, 'NetworkPolicy', 'postgres');
      expect(selects(postgres, labels), 'postgres policy').toBe(true);
      expect(selects(find(objects, 'NetworkPolicy', 'allow-dns'), labels), 'allow-dns').toBe(true);
      // Instances replicate to each other, also across the old and the restored cluster.
      expect(ingressAdmits(postgres, labels, 5432)).toBe(true);
      expect(egressAllows(postgres, labels, 5432)).toBe(true);
      for (const name of serviceNames) {
        const policy = find(objectsOf(`k8s/overlays/${env}`), 'NetworkPolicy', name);
        expect(egressAllows(policy, labels, 5432), `${env}: ${name} -> ${clusterName}`).toBe(true);
      }
    },
  );

  it('keeps Flux from ever deleting the namespace or the database (prune disabled on them)', () => {
    // `prune: true` would delete them with everything in them if they left the rendered manifests
    // (a path rename, a bad merge); docs/deploy.md, "Flux and pruning".
    for (const [kind, name] of [
      ['Namespace', 'cartwatch'],
      ['Cluster', 'cartwatch-db'],
    ] as const) {
      const annotations = rec(find(objects, kind, name).metadata.annotations);
      expect(annotations['kustomize.toolkit.fluxcd.io/prune'], `${kind}/${name}`).toBe('disabled');
    }
  });

  it('enforces the restricted Pod Security Standard on the namespace', () => {
    const labels = find(objects, 'Namespace', 'cartwatch').metadata.labels;
    expect(labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});

describe.each(overlays)('Flux cluster %s', (env) => {
  const objects = objectsOf(`k8s/clusters/${env}`);
  const kustomization = (name: string) => find(objects, 'Kustomization', name);

  it('applies infra-controllers, then infra-configs, then the apps, each waiting for the one before, from the repository flux-system syncs', () => {
    const source = find(objects, 'GitRepository', 'flux-system');
    const layers = [
      ['infra-controllers', `./k8s/infrastructure/${env}/controllers`, undefined],
      ['infra-configs', `./k8s/infrastructure/${env}/configs`, [{ name: 'infra-controllers' }]],
      ['apps', `./k8s/overlays/${env}`, [{ name: 'infra-configs' }]],
    ] as const;
    for (const [name, path, dependsOn] of layers) {
      const spec = rec(kustomization(name).spec);
      expect(spec, name).toMatchObject({
        path,
        prune: true,
        wait: true,
        sourceRef: { kind: 'GitRepository', name: source.metadata.name },
      });
      expect(spec.dependsOn, name).toEqual(dependsOn);
    }
    expect(
      objects
        .filter((o) => o.kind === 'Kustomization')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['apps', 'flux-system', 'infra-configs', 'infra-controllers']);
  });

  it('lets Flux manage itself: flux-system as `flux bootstrap` lays it out, syncing this cluster’s path', () => {
    const dir = `k8s/clusters/${env}`;
    expect(rec(loadYaml(repoPath(dir, 'kustomization.yaml'))).resources).toEqual([
      'flux-system',
      'infrastructure.yaml',
      'apps.yaml',
    ]);
    expect(rec(loadYaml(repoPath(dir, 'flux-system/kustomization.yaml'))).resources).toEqual([
      'gotk-components.yaml',
      'gotk-sync.yaml',
    ]);
    expect(existsSync(repoPath(dir, 'flux-system/gotk-components.yaml'))).toBe(true);
    const synced = objectsOf(dir).filter((o) => sourceOf(o) === `${dir}/flux-system/gotk-sync.yaml`);
    expect(synced.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'GitRepository/flux-system/flux-system',
      'Kustomization/flux-system/flux-system',
    ]);
    const [source, sync] = synced;
    expect(rec(source?.spec)).toMatchObject({ ref: { branch: 'main' }, secretRef: { name: 'flux-system' } });
    expect(rec(source?.spec).url).toMatch(/^ssh:\/\/git@github\.com\/[\w.-]+\/[\w.-]+$/);
    expect(rec(sync?.spec)).toMatchObject({
      path: `./${dir}`,
      prune: true,
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
    });
    // One source for everything: the repository bootstrap connected.
    expect(objectsOf(dir).filter((o) => o.kind === 'GitRepository')).toHaveLength(1);
  });

  it('points every Flux path at a kustomization in this repository', () => {
    for (const k of objects.filter((o) => o.kind === 'Kustomization')) {
      const path = rec(k.spec).path as string;
      expect(rendered.has(path.replace(/^\.\//, '')), path).toBe(true);
    }
  });
});

describe.each(overlays)('infrastructure controllers %s', (env) => {
  const objects = objectsOf(controllersDir(env));
  const releases = objects.filter((o) => o.kind === 'HelmRelease');
  const release = (name: string) => rec(find(releases, 'HelmRelease', name).spec);

  it.each([
    ['cloudnative-pg', 'cloudnative-pg', 'https://cloudnative-pg.github.io/charts', 'cnpg-system'],
    ['barman-cloud', 'plugin-barman-cloud', 'https://cloudnative-pg.github.io/charts', 'cnpg-system'],
    ['cert-manager', 'cert-manager', 'https://charts.jetstack.io', 'cert-manager'],
    ['ingress-nginx', 'ingress-nginx', 'https://kubernetes.github.io/ingress-nginx', 'ingress-nginx'],
    ['metrics-server', 'metrics-server', 'https://kubernetes-sigs.github.io/metrics-server/', 'kube-system'],
    [
      'kube-prometheus-stack',
      'kube-prometheus-stack',
      'https://prometheus-community.github.io/helm-charts',
      'monitoring',
    ],
  ])(
    'installs %s as a HelmRelease of the chart %s, an exact version, into its namespace',
    (name, chart, url, namespace) => {
      const spec = release(name);
      const chartSpec = rec(rec(spec.chart).spec);
      expect(chartSpec.chart).toBe(chart);
      expect(chartSpec.version).toMatch(/^\d+\.\d+\.\d+$/);
      const repository = find(objects, 'HelmRepository', rec(chartSpec.sourceRef).name as string);
      expect(rec(repository.spec).url).toBe(url);
      expect(spec.targetNamespace).toBe(namespace);
      // The namespaces the CartWatch policies name by `kubernetes.io/metadata.name` are created here.
      if (namespace !== 'kube-system') find(objects, 'Namespace', namespace);
    },
  );

  it('keeps metrics-server optional: its own kustomization, which no other release depends on', () => {
    // Managed clusters (GKE, AKS) ship metrics-server; the operator drops this one line there.
    const kustomization = loadYaml(repoPath(`${controllersDir(env)}/kustomization.yaml`));
    expect(rec(kustomization).resources).toContain('../../base/metrics-server');
    const without = renderKustomization(repoPath('k8s/infrastructure/base/controllers')).objects;
    expect(without.filter((o) => o.metadata.name === 'metrics-server')).toEqual([]);
    for (const r of releases) {
      const dependsOn = ((rec(r.spec).dependsOn ?? []) as unknown[]).map((d) => rec(d).name);
      expect(dependsOn, r.metadata.name).not.toContain('metrics-server');
    }
  });

  it('orders the releases: CRDs a release’s objects need come from a release it depends on', () => {
    const needs: Record<string, string[]> = {
      // The plugin's certificates and its registration with the operator.
      'barman-cloud': ['cert-manager', 'cloudnative-pg'],
      // ServiceMonitors and PodMonitors of the operators' own metrics.
      'cert-manager': ['kube-prometheus-stack'],
      'cloudnative-pg': ['kube-prometheus-stack'],
      'ingress-nginx': ['kube-prometheus-stack'],
    };
    for (const r of releases) {
      const dependsOn = ((rec(r.spec).dependsOn ?? []) as unknown[]).map((d) => rec(d).name);
      for (const dependency of dependsOn) find(releases, 'HelmRelease', String(dependency));
      expect(dependsOn, r.metadata.name).toEqual(needs[r.metadata.name] ?? []);
    }
  });

  it('creates every namespace the NetworkPolicies of the environment admit traffic from or to', () => {
    const named = new Set<string>();
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) for (const item of value) walk(item);
      else if (isRecord(value)) {
        const name = rec(rec(value.namespaceSelector).matchLabels)['kubernetes.io/metadata.name'];
        if (typeof name === 'string') named.add(name);
        for (const child of Object.values(value)) walk(child);
      }
    };
    for (const dir of [configsDir(env), `k8s/overlays/${env}`])
      for (const policy of objectsOf(dir).filter((o) => o.kind === 'NetworkPolicy')) walk(policy.spec);
    expect([...named].sort()).toEqual(['cnpg-system', 'ingress-nginx', 'kube-system', 'monitoring']);
    for (const namespace of named) {
      if (namespace === 'kube-system') continue;
      // Created by this layer and installed into by one of its releases.
      find(objects, 'Namespace', namespace);
      expect(
        releases.some((r) => rec(r.spec).targetNamespace === namespace),
        namespace,
      ).toBe(true);
    }
  });

  it('lets Prometheus find every PodMonitor, ServiceMonitor and rule, not only the chart’s own', () => {
    const prometheusSpec = rec(rec(rec(release('kube-prometheus-stack').values).prometheus).prometheusSpec);
    expect(prometheusSpec).toMatchObject({
      podMonitorSelectorNilUsesHelmValues: false,
      serviceMonitorSelectorNilUsesHelmValues: false,
      ruleSelectorNilUsesHelmValues: false,
    });
  });
});

describe('environments', () => {
  const cluster = (env: string) => rec(find(objectsOf(configsDir(env)), 'Cluster', 'cartwatch-db').spec);
  const backupPath = (env: string) =>
    String(
      rec(rec(find(objectsOf(configsDir(env)), 'ObjectStore', 'cartwatch-db').spec).configuration)
        .destinationPath,
    );
  const nats = (env: string) => rec(rec(find(objectsOf(configsDir(env)), 'HelmRelease', 'nats').spec).values);
  const prometheus = (env: string) =>
    rec(
      rec(
        rec(rec(find(objectsOf(controllersDir(env)), 'HelmRelease', 'kube-prometheus-stack').spec).values)
          .prometheus,
      ).prometheusSpec,
    );
  const bytes = (quantity: unknown) => {
    const match = /^(\d+)(Mi|Gi|Ti)$/.exec(String(quantity));
    if (!match) throw new Error(`not a quantity: ${String(quantity)}`);
    return Number(match[1]) * { Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 }[match[2] as 'Mi' | 'Gi' | 'Ti'];
  };

  it('back each environment up to its own bucket, never a shared one', () => {
    // The bucket is the operator's (docs/deploy.md, step 2): read from each environment's ObjectStore.
    const bucket = (env: string) =>
      /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/\S+$/.exec(backupPath(env))?.[1];
    for (const env of overlays) expect(bucket(env), `${env}: ${backupPath(env)}`).toBeDefined();
    expect(new Set(overlays.map(bucket)).size).toBe(overlays.length);
  });

  it('size dev below prod: Postgres instances, volumes and memory, NATS servers and store, Prometheus storage', () => {
    const [dev, prod] = [cluster('dev'), cluster('prod')];
    expect(Number(dev.instances)).toBeLessThan(Number(prod.instances));
    for (const volume of ['storage', 'walStorage'])
      expect(bytes(rec(dev[volume]).size), volume).toBeLessThan(bytes(rec(prod[volume]).size));
    expect(bytes(rec(rec(dev.resources).limits).memory)).toBeLessThan(
      bytes(rec(rec(prod.resources).limits).memory),
    );
    const natsOf = (env: string) => rec(nats(env).config);
    expect(Number(rec(natsOf('dev').cluster).replicas)).toBeLessThan(
      Number(rec(natsOf('prod').cluster).replicas),
    );
    const store = (env: string) => rec(rec(rec(natsOf(env).jetstream).fileStore).pvc).size;
    expect(bytes(store('dev'))).toBeLessThan(bytes(store('prod')));
    const promStorage = (env: string) =>
      rec(rec(rec(rec(rec(prometheus(env).storageSpec).volumeClaimTemplate).spec).resources).requests)
        .storage;
    expect(bytes(promStorage('dev'))).toBeLessThan(bytes(promStorage('prod')));
  });
});

describe('all rendered manifests', () => {
  it('use no latest or untagged images anywhere', () => {
    const images = allObjects.flatMap((o) => podContainers(o).map((c) => c.image));
    expect(images.length).toBeGreaterThan(serviceNames.length);
    expect(images.flatMap(imageProblems)).toEqual([]);
  });

  it('pin every service image and the web app image of an overlay to one explicit tag', () => {
    const names: string[] = [...serviceNames, 'web'];
    for (const overlay of overlays) {
      const tags = new Set(
        objectsOf(`k8s/overlays/${overlay}`)
          .filter((o) => o.kind === 'Deployment' && names.includes(o.metadata.name))
          .flatMap((o) => podContainers(o).map((c) => String(c.image).split(':').pop())),
      );
      expect(tags.size, overlay).toBe(1);
    }
  });
});

describe('docs/deploy.md', () => {
  const guide = readText(repoPath('docs/deploy.md'));

  it('names only repository paths under k8s/ that exist, for each environment (and so does the restore runbook)', () => {
    const text = `${guide}\n${readText(repoPath('docs/runbooks/postgres-restore.md'))}`;
    const paths = [...text.matchAll(/(?<![\w/.-])(k8s\/[\w$<>{},./*-]*[\w>}])/g)].map((m) => m[1] ?? '');
    expect(paths.length).toBeGreaterThan(10);
    const expand = (path: string): string[] => {
      const braces = /\{([^{}]+)\}/.exec(path);
      if (braces)
        return (braces[1] ?? '').split(',').flatMap((part) => expand(path.replace(braces[0], part)));
      if (/\$ENV|<env>/.test(path))
        return overlays.flatMap((env) => expand(path.replace(/\$ENV|<env>/g, env)));
      return [path];
    };
    for (const path of paths.flatMap(expand)) {
      // `**/*.sops.yaml` and the like are patterns, `<service>`/`<name>` placeholders: check their directory.
      const concrete = path.replace(/\/(\*\*|[^/]*[*<]).*$/, '');
      expect(existsSync(repoPath(concrete)), path).toBe(true);
    }
  });

  it('walks an operator from an empty cluster: flux bootstrap, the age key and SOPS secrets, DNS, verify', () => {
    const walkthrough = guide.slice(
      guide.indexOf('## From an empty cluster'),
      guide.indexOf('### Secrets with SOPS'),
    );
    for (const command of [
      'flux bootstrap github',
      '--path=k8s/clusters/$ENV',
      '~/age-$ENV.agekey',
      'kubectl -n flux-system create secret generic sops-age',
      'flux get kustomizations --watch',
      'kubectl -n ingress-nginx get service ingress-nginx-controller',
      'curl -fsS "https://$HOST/health"',
      'gh workflow run deploy.yml -f environment=prod',
    ])
      expect(walkthrough, command).toContain(command);
    expect(guide).toContain('sops --encrypt --filename-override');
    expect(guide).toContain('age-keygen -o "$HOME/age-$ENV.agekey"');
  });

  it('tells the operator to create every Secret the manifests reference', () => {
    const referenced = new Set<string>();
    const walk = (value: unknown, parentKey: string): void => {
      if (Array.isArray(value)) for (const item of value) walk(item, parentKey);
      else if (isRecord(value)) {
        for (const [key, child] of Object.entries(value)) {
          if (key === 'secretName' && typeof child === 'string') referenced.add(child);
          else if (
            key === 'name' &&
            typeof child === 'string' &&
            ['secretKeyRef', 'passwordSecret', 'accessKeyId', 'secretAccessKey'].includes(parentKey)
          ) {
            referenced.add(child);
          }
          walk(child, key);
        }
      }
    };
    for (const obj of allObjects) walk(obj, '');
    expect(referenced.size).toBeGreaterThan(5);
    for (const name of referenced) {
      const documented =
        guide.includes(`\`${name}\``) ||
        (name.startsWith('cartwatch-db-') && guide.includes('`cartwatch-db-<service>`'));
      expect(documented, name).toBe(true);
    }
  });
});

/** The checkers themselves: each must catch the mistake it exists for, or a green run proves nothing. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyJsonPatch, renderKustomization, splitImage, strategicMerge } from '../src/kustomize.js';
import { locationFor, parseNginx } from '../src/nginx.js';
import {
  cidrCovers,
  imageProblems,
  ingressBackend,
  internetEgressProblems,
  probeProblems,
  restrictedSecurityProblems,
  secretValueProblems,
} from '../src/policy.js';
import type { KubeObject } from '../src/repo.js';
import { validateObject } from '../src/validate-objects.js';

function deployment(
  container: Record<string, unknown>,
  podSecurity: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'demo', labels: { 'app.kubernetes.io/component': 'service' } },
    spec: {
      selector: { matchLabels: { app: 'demo' } },
      template: {
        metadata: { labels: { app: 'demo' } },
        spec: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, ...podSecurity },
          containers: [container],
        },
      },
    },
  };
}

const compliantContainer = {
  name: 'demo',
  image: 'ghcr.io/cartwatch/demo:1.2.3',
  resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
  securityContext: {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  },
  livenessProbe: { httpGet: { path: '/health', port: 'management' } },
  readinessProbe: { httpGet: { path: '/ready', port: 'management' } },
};

describe('schema validation', () => {
  it('accepts a valid Deployment', () => {
    expect(validateObject(deployment(compliantContainer))).toEqual([]);
  });

  it('rejects an unknown field on a built-in kind, at any depth', () => {
    const problems = validateObject(deployment({ ...compliantContainer, imagePullPolice: 'Always' }));
    expect(problems).toEqual([
      'Deployment/demo.spec.template.spec.containers[0].imagePullPolice: unknown field',
    ]);
  });

  it('rejects a wrongly typed field on a built-in kind', () => {
    const obj = deployment(compliantContainer);
    (obj.spec as Record<string, unknown>).replicas = 'two';
    expect(validateObject(obj).join()).toContain('replicas must be integer');
  });

  it('rejects an unknown field on a CloudNativePG Cluster', () => {
    const cluster: KubeObject = {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: { name: 'db' },
      spec: { instances: 3, storage: { size: '1Gi' }, synchronousReplicas: 1 },
    };
    expect(validateObject(cluster)).toEqual([
      'Cluster/db: /spec must NOT have additional properties (synchronousReplicas)',
    ]);
  });

  it('rejects an unknown field and a wrong type on a Flux Kustomization', () => {
    const kustomization: KubeObject = {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'apps', namespace: 'flux-system' },
      spec: { interval: '10m', prune: 'yes', sourceRef: { kind: 'GitRepository', name: 'x' }, dependOn: [] },
    };
    const problems = validateObject(kustomization).join('\n');
    expect(problems).toContain('prune must be boolean');
    expect(problems).toContain('(dependOn)');
  });

  it('rejects a kind it has no schema for', () => {
    const obj: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    expect(validateObject(obj)).toEqual(['Widget/w: no schema for example.com/v1/Widget']);
  });
});

describe('policy checks', () => {
  it('passes a compliant workload', () => {
    const obj = deployment(compliantContainer);
    expect([...restrictedSecurityProblems(obj), ...probeProblems(obj), ...secretValueProblems(obj)]).toEqual(
      [],
    );
  });

  it('reports every restricted-security violation', () => {
    const obj = deployment(
      {
        ...compliantContainer,
        securityContext: { privileged: true, capabilities: { drop: ['NET_RAW'] } },
        resources: {},
      },
      { runAsNonRoot: false, seccompProfile: { type: 'Unconfined' } },
    );
    expect(restrictedSecurityProblems(obj)).toEqual([
      'Deployment/demo container demo: privileged',
      'Deployment/demo container demo: allowPrivilegeEscalation is not false',
      'Deployment/demo container demo: root filesystem is not read-only',
      'Deployment/demo container demo: does not drop ALL capabilities',
      'Deployment/demo container demo: runAsNonRoot is not true',
      'Deployment/demo container demo: seccomp is not RuntimeDefault',
      'Deployment/demo container demo: no cpu requests',
      'Deployment/demo container demo: no memory requests',
      'Deployment/demo container demo: no cpu limits',
      'Deployment/demo container demo: no memory limits',
    ]);
  });

  it('reports latest and untagged images, accepts tags and digests', () => {
    expect(imageProblems('redis:latest')).toEqual(['image redis:latest uses the latest tag']);
    expect(imageProblems('registry.local:5000/redis')).toEqual([
      'image registry.local:5000/redis has no tag (implicitly latest)',
    ]);
    expect(imageProblems('redis:7.4.2')).toEqual([]);
    expect(imageProblems(`redis@sha256:${'a'.repeat(64)}`)).toEqual([]);
  });

  it('reports a service whose probes are not /health and /ready', () => {
    const obj = deployment({
      ...compliantContainer,
      livenessProbe: { tcpSocket: { port: 8080 } },
      readinessProbe: undefined,
    });
    expect(probeProblems(obj)).toEqual([
      'Deployment/demo container demo: no readiness probe',
      'Deployment/demo container demo: liveness is not GET /health',
      'Deployment/demo container demo: readiness is not GET /ready',
      'Deployment/demo container demo: livenessProbe is not on the management port',
    ]);
  });

  it('reports a service probed on its service port instead of the management port', () => {
    const obj = deployment({
      ...compliantContainer,
      startupProbe: { httpGet: { path: '/health', port: 'http' } },
      readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
    });
    expect(probeProblems(obj)).toEqual([
      'Deployment/demo container demo: startupProbe is not on the management port',
      'Deployment/demo container demo: readinessProbe is not on the management port',
    ]);
  });

  it('reports secret values in env, ConfigMaps, URLs and Secrets', () => {
    const obj = deployment({
      ...compliantContainer,
      env: [
        { name: 'SERVICE_KEY', value: 'x'.repeat(40) },
        { name: 'DATABASE_URL', value: 'postgres://app:hunter2@db:5432/app' },
        { name: 'SAFE_URL', value: 'postgres://$(DB_USER):$(DB_PASSWORD)@db:5432/app' },
      ],
    });
    expect(secretValueProblems(obj)).toEqual([
      'Deployment/demo: env SERVICE_KEY has a literal value; use secretKeyRef',
      'Deployment/demo: env DATABASE_URL embeds a password',
    ]);
    const configMap: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { JWT_SECRET: 'x' },
    };
    expect(secretValueProblems(configMap)).toEqual([
      'ConfigMap/c: ConfigMap key JWT_SECRET looks like a secret',
    ]);
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      stringData: { a: 'b' },
    };
    expect(secretValueProblems(secret)).toEqual(['Secret/s: a Secret with unencrypted values is committed']);
    const envelope = `ENC[AES256_GCM,data:YWJj,iv:${'A'.repeat(43)}=,tag:${'B'.repeat(22)}==,type:str]`;
    const sealed = { ...secret, stringData: { a: envelope }, sops: { mac: envelope } };
    expect(secretValueProblems(sealed)).toEqual([]);
    // sops metadata does not excuse a value left in plain text.
    expect(secretValueProblems({ ...sealed, stringData: { a: envelope, b: 'plain' } })).toEqual([
      'Secret/s: a Secret with unencrypted values is committed',
    ]);
  });

  it('reports internet egress that leaves cluster ranges or the metadata address reachable', () => {
    const policy: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'p' },
      spec: {
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12'] } }] }],
      },
    };
    expect(internetEgressProblems(policy)).toEqual([
      'NetworkPolicy/p: egress to 0.0.0.0/0 does not exclude 192.168.0.0/16',
      'NetworkPolicy/p: egress to 0.0.0.0/0 does not exclude 100.64.0.0/10',
      'NetworkPolicy/p: egress to 0.0.0.0/0 does not exclude 127.0.0.0/8',
      'NetworkPolicy/p: egress to 0.0.0.0/0 does not exclude 169.254.169.254/32',
    ]);
    expect(cidrCovers('169.254.0.0/16', '169.254.169.254/32')).toBe(true);
    expect(cidrCovers('10.0.0.0/8', '172.16.0.0/12')).toBe(false);
  });
});

describe('kustomize renderer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cartwatch-kustomize-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('merges maps, named lists by name, and replaces other lists', () => {
    const base = {
      spec: { containers: [{ name: 'a', image: 'x:1', args: ['1'] }], hosts: ['a'], keep: 1, drop: 2 },
    };
    const patch = {
      spec: { containers: [{ name: 'a', args: ['2'] }, { name: 'b' }], hosts: ['b'], drop: null },
    };
    expect(strategicMerge(base, patch)).toEqual({
      spec: { containers: [{ name: 'a', image: 'x:1', args: ['2'] }, { name: 'b' }], hosts: ['b'], keep: 1 },
    });
  });

  it('splits registry ports from tags', () => {
    expect(splitImage('registry:5000/app:1.0')).toEqual({ name: 'registry:5000/app', tag: '1.0' });
    expect(splitImage('registry:5000/app')).toEqual({ name: 'registry:5000/app' });
  });

  it('refuses kustomization fields it does not implement instead of ignoring them', () => {
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\ncommonLabels:\n  a: b\n',
    );
    expect(() => renderKustomization(dir)).toThrow('unsupported kustomization field "commonLabels"');
  });

  it('refuses duplicate YAML keys', () => {
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nkind: Kustomization\n',
    );
    expect(() => renderKustomization(dir)).toThrow(/unique/i);
  });

  it('applies namespace, images and replicas, and fails on a missing patch target', () => {
    writeFileSync(
      join(dir, 'app.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/x/app:1.0\n',
    );
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ns\nresources:\n  - app.yaml\nimages:\n  - name: ghcr.io/x/app\n    newTag: "2.0"\nreplicas:\n  - name: app\n    count: 3\n',
    );
    const [app] = renderKustomization(dir).objects;
    expect(app?.metadata.namespace).toBe('ns');
    expect(JSON.stringify(app?.spec)).toContain('"image":"ghcr.io/x/app:2.0"');
    expect(app?.spec).toMatchObject({ replicas: 3 });
    writeFileSync(
      join(dir, 'patch.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\n',
    );
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - app.yaml\npatches:\n  - path: patch.yaml\n',
    );
    expect(() => renderKustomization(dir)).toThrow('patch target Deployment/other not found');
  });

  it('applies inline JSON 6902 patches to their target, and refuses missing paths and other ops', () => {
    const doc = { spec: { rules: [{ host: 'a' }], tls: [{ hosts: ['a'] }], keep: 1 } };
    expect(
      applyJsonPatch(
        doc,
        [
          { op: 'replace', path: '/spec/rules/0/host', value: 'b' },
          { op: 'add', path: '/spec/tls/0/hosts/-', value: 'c' },
          { op: 'remove', path: '/spec/keep' },
          { op: 'add', path: '/spec/x~1y', value: 2 },
        ],
        'test',
      ),
    ).toEqual({ spec: { rules: [{ host: 'b' }], tls: [{ hosts: ['a', 'c'] }], 'x/y': 2 } });
    expect(doc.spec.rules[0]?.host).toBe('a');
    expect(() =>
      applyJsonPatch(doc, [{ op: 'replace', path: '/spec/rules/1/host', value: 'b' }], 't'),
    ).toThrow('does not exist');
    expect(() => applyJsonPatch(doc, [{ op: 'move', path: '/spec', from: '/x' }], 't')).toThrow(
      'unsupported op',
    );
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - app.yaml\npatches:\n  - target:\n      kind: Deployment\n      name: app\n    patch: |-\n      - op: replace\n        path: /spec/replicas\n        value: 5\n',
    );
    expect(renderKustomization(dir).objects[0]?.spec).toMatchObject({ replicas: 5 });
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - app.yaml\npatches:\n  - target:\n      kind: Deployment\n      name: other\n    patch: "[]"\n',
    );
    expect(() => renderKustomization(dir)).toThrow('patch target Deployment/other not found');
  });
});

describe('routing checks', () => {
  it('picks an Ingress backend the way the Ingress spec does: Exact, then the longest whole-segment Prefix', () => {
    const path = (p: string, pathType: string, name: string) => ({
      path: p,
      pathType,
      backend: { service: { name, port: { name: 'http' } } },
    });
    const ingress: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'x' },
      spec: {
        rules: [
          {
            http: {
              paths: [
                path('/', 'Prefix', 'web'),
                path('/api', 'Prefix', 'api'),
                path('/api/v2', 'Exact', 'v2'),
              ],
            },
          },
        ],
      },
    };
    expect(ingressBackend(ingress, '/api')).toBe('api');
    expect(ingressBackend(ingress, '/api/users')).toBe('api');
    expect(ingressBackend(ingress, '/api/v2')).toBe('v2');
    expect(ingressBackend(ingress, '/apix')).toBe('web');
    expect(ingressBackend(ingress, '/')).toBe('web');
  });

  it('picks an nginx location the way nginx does: =, then ^~ prefixes, then regexes in order, then prefixes', () => {
    const server = parseNginx(`
      location / { a; }
      location ^~ /static/ { b; }
      location /docs/ { c; }
      location ~ \\.js$ { d; }
      location ~ ^/docs/x { e; }
      location = /docs/y.js { f; }
    `);
    const name = (uri: string) => locationFor(server, uri)?.block?.[0]?.name;
    expect(name('/app')).toBe('a');
    expect(name('/static/app.js')).toBe('b');
    expect(name('/docs/page')).toBe('c');
    expect(name('/docs/page.js')).toBe('d');
    expect(name('/docs/x')).toBe('e');
    expect(name('/docs/y.js')).toBe('f');
  });
});

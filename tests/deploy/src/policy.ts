/**
 * Policy over rendered manifests: the rules every CartWatch workload must meet beyond schema validity.
 * Each check returns a list of problems (empty = compliant) so tests can show both the real manifests
 * passing and deliberately broken ones failing.
 */
import { podContainers, podSpecOf, splitImage } from './kustomize.js';
import { isRecord, type KubeObject, objectId } from './repo.js';
import { sopsEnvelope } from './sops.js';

const record = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});

export function isWorkload(obj: KubeObject): boolean {
  return podSpecOf(obj) !== undefined;
}

/** An image reference is pinned when it names a tag other than `latest`, or a digest. */
export function imageProblems(image: unknown): string[] {
  if (typeof image !== 'string' || image.length === 0) return ['has no image'];
  const { tag, digest } = splitImage(image);
  if (digest) return [];
  if (!tag) return [`image ${image} has no tag (implicitly latest)`];
  if (tag === 'latest') return [`image ${image} uses the latest tag`];
  return [];
}

/** Restricted Pod Security Standard plus resources and pinned images, for every container. */
export function restrictedSecurityProblems(obj: KubeObject): string[] {
  const podSpec = podSpecOf(obj);
  if (!podSpec) return [];
  const id = objectId(obj);
  const problems: string[] = [];
  const pod = record(podSpec.securityContext);
  if (podSpec.hostNetwork === true || podSpec.hostPID === true || podSpec.hostIPC === true) {
    problems.push(`${id}: uses host namespaces`);
  }
  const volumes = Array.isArray(podSpec.volumes) ? podSpec.volumes.map(record) : [];
  if (volumes.some((v) => v.hostPath !== undefined)) problems.push(`${id}: mounts a hostPath volume`);
  const podSeccomp = record(pod.seccompProfile).type;
  for (const container of podContainers(obj)) {
    const where = `${id} container ${String(container.name)}`;
    const sc = record(container.securityContext);
    if (sc.privileged === true) problems.push(`${where}: privileged`);
    if (sc.allowPrivilegeEscalation !== false)
      problems.push(`${where}: allowPrivilegeEscalation is not false`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: root filesystem is not read-only`);
    const drop = record(sc.capabilities).drop;
    if (!Array.isArray(drop) || !drop.includes('ALL'))
      problems.push(`${where}: does not drop ALL capabilities`);
    const add = record(sc.capabilities).add;
    if (Array.isArray(add) && add.some((c) => c !== 'NET_BIND_SERVICE'))
      problems.push(`${where}: adds capabilities`);
    const runAsNonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
    if (runAsNonRoot !== true) problems.push(`${where}: runAsNonRoot is not true`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) problems.push(`${where}: runs as uid 0`);
    const seccomp = record(sc.seccompProfile).type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      problems.push(`${where}: seccomp is not RuntimeDefault`);
    const resources = record(container.resources);
    for (const bound of ['requests', 'limits'] as const) {
      for (const resource of ['cpu', 'memory']) {
        if (record(resources[bound])[resource] === undefined)
          problems.push(`${where}: no ${resource} ${bound}`);
      }
    }
    problems.push(...imageProblems(container.image).map((p) => `${where}: ${p}`));
  }
  return problems;
}

function httpGetPath(probe: unknown): string | undefined {
  const path = record(record(probe).httpGet).path;
  return typeof path === 'string' ? path : undefined;
}

/**
 * Probes on every long-running container: CartWatch services answer liveness on /health and
 * readiness on /ready (docs/architecture.md#operations) on their management port (the service port has no /ready);
 * third-party workloads need a liveness and a readiness probe.
 */
export function probeProblems(obj: KubeObject): string[] {
  const podSpec = podSpecOf(obj);
  if (!podSpec || obj.kind === 'Job' || obj.kind === 'CronJob') return [];
  const isService = obj.metadata.labels?.['app.kubernetes.io/component'] === 'service';
  const containers = Array.isArray(podSpec.containers) ? podSpec.containers.map(record) : [];
  return containers.flatMap((container) => {
    const where = `${objectId(obj)} container ${String(container.name)}`;
    const problems: string[] = [];
    if (!container.livenessProbe) problems.push(`${where}: no liveness probe`);
    if (!container.readinessProbe) problems.push(`${where}: no readiness probe`);
    if (isService) {
      if (httpGetPath(container.livenessProbe) !== '/health')
        problems.push(`${where}: liveness is not GET /health`);
      if (httpGetPath(container.readinessProbe) !== '/ready')
        problems.push(`${where}: readiness is not GET /ready`);
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        if (container[probe] !== undefined && record(record(container[probe]).httpGet).port !== 'management')
          problems.push(`${where}: ${probe} is not on the management port`);
      }
    }
    return problems;
  });
}

const secretishName = /(KEY|SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE)/i;
const urlWithPassword = /:\/\/[^/:@\s]+:([^@\s]+)@/;

/** Secret values must never be committed: only references to Secrets created out of band. */
export function secretValueProblems(obj: KubeObject): string[] {
  const id = objectId(obj);
  const problems: string[] = [];
  // Only SOPS-encrypted (every value an envelope, tests/deploy/src/sops.ts checks the rest).
  if (obj.kind === 'Secret' && (obj.data !== undefined || obj.stringData !== undefined)) {
    const values = [obj.data, obj.stringData].flatMap((v) => Object.values(record(v)));
    const encrypted =
      record(obj.sops).mac !== undefined &&
      values.every((v) => typeof v === 'string' && sopsEnvelope.test(v));
    if (!encrypted) problems.push(`${id}: a Secret with unencrypted values is committed`);
  }
  if (obj.kind === 'ConfigMap') {
    for (const [key, value] of Object.entries(record(obj.data))) {
      if (secretishName.test(key)) problems.push(`${id}: ConfigMap key ${key} looks like a secret`);
      if (typeof value === 'string' && urlWithPassword.test(value))
        problems.push(`${id}: ${key} embeds a password`);
    }
  }
  for (const container of podContainers(obj)) {
    const env = Array.isArray(container.env) ? container.env.map(record) : [];
    for (const variable of env) {
      const name = String(variable.name);
      const value = variable.value;
      if (typeof value !== 'string') continue;
      if (secretishName.test(name)) problems.push(`${id}: env ${name} has a literal value; use secretKeyRef`);
      const password = urlWithPassword.exec(value)?.[1];
      if (password && !/^\$\([A-Z_]+\)$/.test(password))
        problems.push(`${id}: env ${name} embeds a password`);
    }
  }
  return problems;
}

/** Parses an IPv4 CIDR into [first, last] addresses as numbers. */
export function ipv4Range(cidr: string): [number, number] {
  const [address, bitsText] = cidr.split('/');
  const octets = (address ?? '').split('.').map(Number);
  const bits = Number(bitsText ?? '32');
  if (
    octets.length !== 4 ||
    octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255) ||
    !(bits >= 0 && bits <= 32)
  ) {
    throw new Error(`not an IPv4 CIDR: ${cidr}`);
  }
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  const first = base - (base % size);
  return [first, first + size - 1];
}

export function cidrCovers(outer: string, inner: string): boolean {
  const [a, b] = ipv4Range(outer);
  const [c, d] = ipv4Range(inner);
  return a <= c && d <= b;
}

/** Private, carrier-grade NAT, loopback and link-local (incl. the cloud metadata address) ranges. */
export const nonPublicIPv4 = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.169.254/32',
];

/** Internet egress rules (ipBlock) must exclude every non-public range. */
export function internetEgressProblems(policy: KubeObject): string[] {
  const egress = Array.isArray(record(policy.spec).egress)
    ? (record(policy.spec).egress as unknown[]).map(record)
    : [];
  const problems: string[] = [];
  for (const rule of egress) {
    const peers = Array.isArray(rule.to) ? rule.to.map(record) : [];
    for (const peer of peers) {
      const block = record(peer.ipBlock);
      if (typeof block.cidr !== 'string' || block.cidr.includes(':')) continue;
      const except = Array.isArray(block.except)
        ? block.except.filter((e): e is string => typeof e === 'string')
        : [];
      for (const range of nonPublicIPv4) {
        if (!cidrCovers(block.cidr, range)) continue;
        if (!except.some((e) => !e.includes(':') && cidrCovers(e, range))) {
          problems.push(`${objectId(policy)}: egress to ${block.cidr} does not exclude ${range}`);
        }
      }
    }
  }
  return problems;
}

export function egressCidrs(policy: KubeObject): string[] {
  const egress = Array.isArray(record(policy.spec).egress)
    ? (record(policy.spec).egress as unknown[]).map(record)
    : [];
  return egress.flatMap((rule) =>
    (Array.isArray(rule.to) ? rule.to.map(record) : []).flatMap((peer) => {
      const cidr = record(peer.ipBlock).cidr;
      return typeof cidr === 'string' ? [cidr] : [];
    }),
  );
}

/** True when a NetworkPolicy's podSelector selects pods carrying `labels`. */
export function selects(policy: KubeObject, labels: Record<string, string>): boolean {
  const selector = record(record(policy.spec).podSelector);
  const matchLabels = record(selector.matchLabels);
  if (selector.matchExpressions !== undefined) return false;
  return Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
}

/** Services whose image carries Debian's Chromium (`--build-arg BROWSER=chromium`): store sync, rendered URL checks. */
export const browserServices: readonly string[] = ['receipt-ingest', 'price-watch'];

/** The build args the image of a service is built with, in compose and in the images workflow. */
export function expectedBuildArgs(name: string, port: number): Record<string, string> {
  return {
    SERVICE: name,
    PORT: String(port),
    ...(browserServices.includes(name) ? { BROWSER: 'chromium' } : {}),
  };
}

/**
 * Of several Ingresses for one host (ingress-nginx merges their paths), the one whose path answers
 * `path`: an `Exact` path first, then the longest `Prefix` path matching on whole segments.
 */
export function edgeIngressFor(ingresses: KubeObject[], path: string): KubeObject | undefined {
  const candidates = ingresses
    .filter((ingress) => ingress.kind === 'Ingress')
    .flatMap((ingress) => {
      const rules = Array.isArray(record(ingress.spec).rules)
        ? (record(ingress.spec).rules as unknown[])
        : [];
      return rules.flatMap((rule) => {
        const list = record(record(rule).http).paths;
        return (Array.isArray(list) ? list.map(record) : []).map((entry) => ({ ingress, entry }));
      });
    });
  const exact = candidates.find(({ entry }) => entry.pathType === 'Exact' && entry.path === path);
  if (exact) return exact.ingress;
  const matches = candidates
    .filter(({ entry }) => entry.pathType === 'Prefix' && typeof entry.path === 'string')
    .map(({ ingress, entry }) => ({ ingress, prefix: String(entry.path).replace(/(.)\/$/, '$1') }))
    .filter(({ prefix }) => prefix === '/' || path === prefix || path.startsWith(`${prefix}/`))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return matches[0]?.ingress;
}

/**
 * The Service an Ingress sends a request path to, by the Ingress rules: an `Exact` path first, then the
 * longest `Prefix` path matching on whole segments (`/stores` matches `/stores/x`, not `/storesx`).
 */
export function ingressBackend(ingress: KubeObject, path: string): string | undefined {
  const rules = Array.isArray(record(ingress.spec).rules) ? (record(ingress.spec).rules as unknown[]) : [];
  const paths = rules.flatMap((rule) => {
    const list = record(record(rule).http).paths;
    return Array.isArray(list) ? list.map(record) : [];
  });
  const serviceOf = (entry: Record<string, unknown>) => {
    const name = record(record(entry.backend).service).name;
    return typeof name === 'string' ? name : undefined;
  };
  const exact = paths.find((entry) => entry.pathType === 'Exact' && entry.path === path);
  if (exact) return serviceOf(exact);
  const matches = paths
    .filter((entry) => entry.pathType === 'Prefix' && typeof entry.path === 'string')
    .map((entry) => ({ entry, prefix: String(entry.path).replace(/(.)\/$/, '$1') }))
    .filter(({ prefix }) => prefix === '/' || path === prefix || path.startsWith(`${prefix}/`))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return matches[0] ? serviceOf(matches[0].entry) : undefined;
}

/**
 * The service-to-service calls: caller → the services whose `<NAME>_URL` (the registry's `urlEnv`) its
 * config schema reads, from docs/configuration.md (generated from the schemas; `pnpm test` checks it is
 * current). NetworkPolicies and configured URLs are checked against this, never a hand-kept list.
 */
export function callGraph<Name extends string>(
  configurationDoc: string,
  registry: Record<Name, { urlEnv: string }>,
): Map<Name, Name[]> {
  const graph = new Map<Name, Name[]>();
  const names = Object.keys(registry) as Name[];
  for (const section of configurationDoc.split(/^## /m).slice(1)) {
    const caller = names.find((name) => name === section.split('\n')[0]?.trim());
    if (caller === undefined) continue;
    const variables = new Set([...section.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
    graph.set(
      caller,
      names.filter((target) => target !== caller && variables.has(registry[target].urlEnv)),
    );
  }
  return graph;
}

type Peer = Record<string, unknown>;
const rules = (policy: KubeObject, direction: 'ingress' | 'egress') => {
  const list = record(policy.spec)[direction];
  return Array.isArray(list) ? list.map(record) : [];
};
const selectsPod = (peer: Peer, labels: Record<string, string>) => {
  if (peer.namespaceSelector !== undefined || peer.ipBlock !== undefined) return false;
  const match = record(record(peer.podSelector).matchLabels);
  return Object.keys(match).length > 0 && Object.entries(match).every(([k, v]) => labels[k] === v);
};
const onPort = (rule: Record<string, unknown>, port: number) =>
  Array.isArray(rule.ports) && rule.ports.some((p) => record(p).port === port);

/** An egress rule of `policy` lets its pods reach pods labelled `labels` (same namespace) on `port`. */
export function egressAllows(policy: KubeObject, labels: Record<string, string>, port: number): boolean {
  return rules(policy, 'egress').some(
    (rule) =>
      onPort(rule, port) &&
      Array.isArray(rule.to) &&
      rule.to.some((peer) => selectsPod(record(peer), labels)),
  );
}

/** An ingress rule of `policy` admits pods labelled `labels` (same namespace) on `port`. */
export function ingressAdmits(policy: KubeObject, labels: Record<string, string>, port: number): boolean {
  return rules(policy, 'ingress').some(
    (rule) =>
      onPort(rule, port) &&
      Array.isArray(rule.from) &&
      rule.from.some((peer) => selectsPod(record(peer), labels)),
  );
}

/**
 * The URI nginx matches locations against (ngx_http_parse_complex_uri, `merge_slashes on`): percent
 * escapes decoded (`%2F` too), repeated slashes merged, `.` and `..` segments resolved; a `..` above the
 * root is a 400 in nginx and an error here.
 */
export function nginxNormalizedUri(uri: string): string {
  const decoded = uri.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
  const segments: string[] = [];
  const parts = decoded
    .replace(/\/{2,}/g, '/')
    .split('/')
    .slice(1);
  parts.forEach((segment, index) => {
    const last = index === parts.length - 1;
    if (segment === '.') {
      if (last) segments.push('');
    } else if (segment === '..') {
      if (segments.length === 0) throw new Error(`${uri}: .. above the root`);
      segments.pop();
      if (last) segments.push('');
    } else segments.push(segment);
  });
  return `/${segments.join('/')}`;
}

/**
 * The environment a shipped configuration gives each process: compose's `environment:` with its `${VAR}`
 * interpolation, and a Kubernetes container's `envFrom` and `env` (ConfigMaps, Secrets, `$(VAR)`
 * expansion) as the kubelet builds them. Used by the deploy checks and by the shipped-configuration
 * test (tests/platform), which starts every service with exactly this environment (docs/deploy.md).
 */
import { podContainers } from './kustomize.js';
import { isRecord, type KubeObject } from './repo.js';

/**
 * Compose's interpolation: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`,
 * `${VAR?message}` and `$$`. An unset required variable throws, as `docker compose` refuses to start.
 */
export function interpolateCompose(text: string, variables: Record<string, string | undefined>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced?: string, colon?: string, operator?: string, argument?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = braced ?? bare ?? '';
      const value = variables[name];
      const unset = value === undefined || (colon === ':' && value === '');
      if (operator === '-') return unset ? (argument ?? '') : (value ?? '');
      if (operator === '?' && unset) throw new Error(`required variable ${name} is missing: ${argument}`);
      return value ?? '';
    },
  );
}

/** A compose service's `environment:` (mapping or list form) with every value interpolated. */
export function composeEnvironment(
  service: Record<string, unknown>,
  variables: Record<string, string | undefined>,
): Record<string, string> {
  const raw = service.environment;
  const entries: [string, string][] = Array.isArray(raw)
    ? raw.map((item) => {
        const [name, ...rest] = String(item).split('=');
        return [name ?? '', rest.join('=')];
      })
    : Object.entries(isRecord(raw) ? raw : {}).map(([name, value]) => [name, String(value ?? '')]);
  return Object.fromEntries(entries.map(([name, value]) => [name, interpolateCompose(value, variables)]));
}

export type SecretValue = (secret: string, key: string) => string | undefined;

const rec = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});

/** `$(VAR)` expansion of a container env value: only variables defined before it; `$$(VAR)` escapes. */
function expandReferences(value: string, defined: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name?: string) => {
    if (match === '$$') return '$';
    return name !== undefined && defined[name] !== undefined ? defined[name] : match;
  });
}

/**
 * The environment of container `name` of a rendered workload: `envFrom` first (later sources win), then
 * `env` in order. ConfigMaps come from `objects`; Secret values from `secretValue` (placeholders).
 * A missing ConfigMap, key or non-optional Secret key throws, as the kubelet refuses to start the pod.
 */
export function containerEnvironment(
  workload: KubeObject,
  name: string,
  objects: KubeObject[],
  secretValue: SecretValue,
): Record<string, string> {
  const container = podContainers(workload).find((c) => c.name === name);
  if (!container) throw new Error(`${workload.kind}/${workload.metadata.name} has no container ${name}`);
  const configMap = (configMapName: string) => {
    const found = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configMapName);
    return found ? (rec(found.data) as Record<string, string>) : undefined;
  };
  const env: Record<string, string> = {};
  for (const source of (container.envFrom as unknown[] | undefined) ?? []) {
    const { configMapRef, secretRef, prefix } = rec(source);
    if (configMapRef !== undefined) {
      const ref = rec(configMapRef);
      const data = configMap(String(ref.name));
      if (!data && ref.optional !== true) throw new Error(`ConfigMap ${String(ref.name)} not rendered`);
      for (const [key, value] of Object.entries(data ?? {})) env[`${prefix ?? ''}${key}`] = String(value);
    } else if (secretRef !== undefined) {
      throw new Error(`envFrom secretRef ${String(rec(secretRef).name)}: list Secret keys in env instead`);
    }
  }
  for (const entry of ((container.env as unknown[] | undefined) ?? []).map(rec)) {
    const variable = String(entry.name);
    if (typeof entry.value === 'string') {
      env[variable] = expandReferences(entry.value, env);
      continue;
    }
    const from = rec(entry.valueFrom);
    const ref = rec(from.secretKeyRef ?? from.configMapKeyRef);
    const value =
      from.secretKeyRef !== undefined
        ? secretValue(String(ref.name), String(ref.key))
        : configMap(String(ref.name))?.[String(ref.key)];
    if (value === undefined) {
      if (ref.optional === true) continue;
      throw new Error(`${variable}: ${String(ref.name)}/${String(ref.key)} has no value`);
    }
    env[variable] = value;
  }
  return env;
}

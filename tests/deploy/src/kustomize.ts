/**
 * A small, strict renderer for the subset of Kustomize CartWatch's manifests use, so the test command
 * can render every overlay without a kustomize binary. Any kustomization field outside the subset is an
 * error (never silently ignored), so a manifest change that needs real kustomize fails here first.
 *
 * Supported: `resources` (files and directories), `namespace`, `patches` (strategic-merge files matched
 * by kind and name, and inline JSON 6902 patches `{ target: { kind, name }, patch }` with the operations
 * add, replace and remove), `images` (newName/newTag/digest), `replicas`. Applied in kustomize's order:
 * resources, patches (in the order listed), images, replicas, namespace.
 */
import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import {
  asKubeObject,
  isRecord,
  type KubeObject,
  loadYaml,
  loadYamlDocuments,
  objectId,
  repoRoot,
} from './repo.js';

const supportedFields = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'patches',
  'images',
  'replicas',
]);

/**
 * Built-in kinds that are not namespaced (kustomize's namespace transformer skips them). Only built-in
 * ones, as kustomize knows no custom resource's scope and gives a ClusterIssuer the namespace too: keep
 * cluster-scoped custom resources out of kustomizations that set `namespace:` (k8s/infrastructure/base/
 * configs/cluster-scoped), which the tests check.
 */
const clusterScopedKinds = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
]);

const podTemplateKinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

interface ImageOverride {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** The file each object was read from (objects a patch rewrote keep no entry). */
const sources = new WeakMap<KubeObject, string>();

/** The repository path of the file `obj` was read from, if it came unpatched from one. */
export function sourceOf(obj: KubeObject): string | undefined {
  return sources.get(obj);
}

export interface RenderResult {
  objects: KubeObject[];
  /** Every file the render read, relative to the repository root. */
  files: string[];
}

export function renderKustomization(dir: string): RenderResult {
  const files: string[] = [];
  const objects = render(dir, files);
  const seen = new Set<string>();
  for (const obj of objects) {
    const key = `${obj.apiVersion}|${objectId(obj)}|${obj.metadata.namespace ?? ''}`;
    if (seen.has(key)) throw new Error(`${relative(repoRoot, dir)}: ${objectId(obj)} is defined twice`);
    seen.add(key);
  }
  return { objects, files };
}

function render(dir: string, files: string[]): KubeObject[] {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`${relative(repoRoot, dir)} has no kustomization.yaml`);
  files.push(relative(repoRoot, file));
  const config = loadYaml(file);
  if (!isRecord(config)) throw new Error(`${file}: not a mapping`);
  if (config.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || config.kind !== 'Kustomization') {
    throw new Error(`${file}: expected kustomize.config.k8s.io/v1beta1 Kustomization`);
  }
  for (const key of Object.keys(config)) {
    if (!supportedFields.has(key)) throw new Error(`${file}: unsupported kustomization field "${key}"`);
  }

  let objects: KubeObject[] = [];
  for (const entry of list(config.resources, file, 'resources')) {
    if (typeof entry !== 'string') throw new Error(`${file}: resources entries must be paths`);
    const path = join(dir, entry);
    if (!existsSync(path)) throw new Error(`${file}: resource ${entry} does not exist`);
    if (statSync(path).isDirectory()) {
      objects.push(...render(path, files));
    } else {
      files.push(relative(repoRoot, path));
      for (const doc of loadYamlDocuments(path)) {
        const obj = asKubeObject(doc, path);
        sources.set(obj, relative(repoRoot, path));
        objects.push(obj);
      }
    }
  }

  for (const patch of list(config.patches, file, 'patches')) {
    if (isRecord(patch) && patch.target !== undefined) {
      objects = applyInlineJsonPatch(objects, patch, file);
      continue;
    }
    if (!isRecord(patch) || typeof patch.path !== 'string' || Object.keys(patch).some((k) => k !== 'path')) {
      throw new Error(
        `${file}: only { path } strategic-merge and { target, patch } JSON 6902 patches are supported`,
      );
    }
    const path = join(dir, patch.path);
    files.push(relative(repoRoot, path));
    for (const doc of loadYamlDocuments(path)) {
      const patchObj = asKubeObject(doc, path);
      const index = objects.findIndex(
        (o) =>
          o.kind === patchObj.kind &&
          o.metadata.name === patchObj.metadata.name &&
          o.apiVersion === patchObj.apiVersion,
      );
      if (index < 0) throw new Error(`${path}: patch target ${objectId(patchObj)} not found`);
      objects[index] = asKubeObject(strategicMerge(objects[index], patchObj), path);
    }
  }

  for (const image of list(config.images, file, 'images')) {
    objects = objects.map((o) => overrideImage(o, parseImageOverride(image, file)));
  }

  for (const replica of list(config.replicas, file, 'replicas')) {
    if (!isRecord(replica) || typeof replica.name !== 'string' || typeof replica.count !== 'number') {
      throw new Error(`${file}: replicas entries need name and count`);
    }
    const target = objects.find((o) => o.metadata.name === replica.name && podTemplateKinds.has(o.kind));
    if (!target) throw new Error(`${file}: replicas target ${replica.name} not found`);
    (target.spec as Record<string, unknown>).replicas = replica.count;
  }

  if (config.namespace !== undefined) {
    if (typeof config.namespace !== 'string') throw new Error(`${file}: namespace must be a string`);
    for (const o of objects) {
      if (!clusterScopedKinds.has(o.kind)) o.metadata.namespace = config.namespace;
    }
  }
  return objects;
}

/** `{ target: { kind, name }, patch: <YAML list of operations> }`, applied to every object it targets. */
function applyInlineJsonPatch(
  objects: KubeObject[],
  entry: Record<string, unknown>,
  file: string,
): KubeObject[] {
  const { target, patch } = entry;
  if (Object.keys(entry).some((k) => k !== 'target' && k !== 'patch') || typeof patch !== 'string') {
    throw new Error(`${file}: a JSON 6902 patch needs exactly { target, patch } with the patch inline`);
  }
  if (
    !isRecord(target) ||
    typeof target.kind !== 'string' ||
    typeof target.name !== 'string' ||
    Object.keys(target).some((k) => k !== 'kind' && k !== 'name')
  ) {
    throw new Error(`${file}: a patch target needs exactly kind and name`);
  }
  const operations = parseDocument(patch, { uniqueKeys: true, strict: true }).toJS({ maxAliasCount: 0 });
  if (!Array.isArray(operations)) throw new Error(`${file}: a JSON 6902 patch is a list of operations`);
  let matched = 0;
  const patched = objects.map((obj) => {
    if (obj.kind !== target.kind || obj.metadata.name !== target.name) return obj;
    matched += 1;
    return asKubeObject(applyJsonPatch(obj, operations, `${file} (${target.kind}/${target.name})`), file);
  });
  if (matched === 0) throw new Error(`${file}: patch target ${target.kind}/${target.name} not found`);
  return patched;
}

/** RFC 6902 `add`, `replace` and `remove` on a copy of `document`; anything else is an error. */
export function applyJsonPatch(document: unknown, operations: unknown[], where: string): unknown {
  const root: unknown = structuredClone(document);
  for (const operation of operations) {
    if (!isRecord(operation) || typeof operation.op !== 'string' || typeof operation.path !== 'string') {
      throw new Error(`${where}: each operation needs op and path`);
    }
    const { op, path, value } = operation;
    if (!['add', 'replace', 'remove'].includes(op)) throw new Error(`${where}: unsupported op "${op}"`);
    if ((op === 'remove') !== (value === undefined)) {
      throw new Error(`${where}: ${op} ${path} ${op === 'remove' ? 'takes no' : 'needs a'} value`);
    }
    const tokens = path
      .split('/')
      .slice(1)
      .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = tokens.pop();
    if (!path.startsWith('/') || last === undefined) throw new Error(`${where}: bad path "${path}"`);
    let parent: unknown = root;
    for (const token of tokens) {
      const next: unknown = Array.isArray(parent)
        ? parent[Number(token)]
        : isRecord(parent)
          ? parent[token]
          : undefined;
      if (next === undefined) throw new Error(`${where}: ${path} does not exist`);
      parent = next;
    }
    if (Array.isArray(parent)) {
      const index = last === '-' && op === 'add' ? parent.length : Number(last);
      const inRange = Number.isInteger(index) && index >= 0 && index < parent.length + (op === 'add' ? 1 : 0);
      if (!inRange) throw new Error(`${where}: ${path} does not exist`);
      if (op === 'add') parent.splice(index, 0, value);
      else if (op === 'replace') parent[index] = value;
      else parent.splice(index, 1);
    } else if (isRecord(parent)) {
      if (op !== 'add' && !(last in parent)) throw new Error(`${where}: ${path} does not exist`);
      if (op === 'remove') delete parent[last];
      else parent[last] = value;
    } else {
      throw new Error(`${where}: ${path} does not exist`);
    }
  }
  return root;
}

function list(value: unknown, file: string, field: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${file}: ${field} must be a list`);
  return value;
}

function parseImageOverride(value: unknown, file: string): ImageOverride {
  if (!isRecord(value) || typeof value.name !== 'string')
    throw new Error(`${file}: images entries need a name`);
  for (const key of Object.keys(value)) {
    if (!['name', 'newName', 'newTag', 'digest'].includes(key))
      throw new Error(`${file}: images.${key} unsupported`);
  }
  return value as unknown as ImageOverride;
}

/** Splits `registry:port/repo:tag@digest` into name and the tag/digest suffix. */
export function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const [withoutDigest, digest] = image.split('@') as [string, string | undefined];
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon > slash) {
    return {
      name: withoutDigest.slice(0, colon),
      tag: withoutDigest.slice(colon + 1),
      ...(digest ? { digest } : {}),
    };
  }
  return { name: withoutDigest, ...(digest ? { digest } : {}) };
}

function overrideImage(obj: KubeObject, override: ImageOverride): KubeObject {
  for (const container of podContainers(obj)) {
    if (typeof container.image !== 'string') continue;
    const current = splitImage(container.image);
    if (current.name !== override.name) continue;
    const name = override.newName ?? current.name;
    // As kustomize 5 does: a new tag and a digest together give `name:tag@digest` (pulled by digest).
    if (override.digest && override.newTag) container.image = `${name}:${override.newTag}@${override.digest}`;
    else if (override.digest) container.image = `${name}@${override.digest}`;
    else if (override.newTag) container.image = `${name}:${override.newTag}`;
    else
      container.image = `${name}${current.tag ? `:${current.tag}` : ''}${current.digest ? `@${current.digest}` : ''}`;
  }
  return obj;
}

/** Containers and init containers of a workload's pod template (or a bare Pod / CronJob). */
export function podContainers(obj: KubeObject): Record<string, unknown>[] {
  const podSpec = podSpecOf(obj);
  if (!podSpec) return [];
  const containers = [podSpec.initContainers, podSpec.containers].flatMap((c) => (Array.isArray(c) ? c : []));
  return containers.filter(isRecord);
}

export function podSpecOf(obj: KubeObject): Record<string, unknown> | undefined {
  const spec = obj.spec;
  if (!isRecord(spec)) return undefined;
  if (obj.kind === 'Pod') return spec;
  if (obj.kind === 'CronJob') {
    const jobTemplate = spec.jobTemplate;
    const inner = isRecord(jobTemplate) && isRecord(jobTemplate.spec) ? jobTemplate.spec.template : undefined;
    return isRecord(inner) && isRecord(inner.spec) ? inner.spec : undefined;
  }
  if (!podTemplateKinds.has(obj.kind)) return undefined;
  const template = spec.template;
  return isRecord(template) && isRecord(template.spec) ? template.spec : undefined;
}

/**
 * Strategic merge as kustomize applies it for the shapes we patch: maps merge recursively, `null`
 * deletes a key, lists of maps keyed by `name` merge item by item, any other list is replaced.
 */
export function strategicMerge(base: unknown, patch: unknown): unknown {
  if (isRecord(base) && isRecord(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete out[key];
      else out[key] = key in base ? strategicMerge(base[key], value) : value;
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch) && isNamedList(base) && isNamedList(patch)) {
    const out = [...base];
    for (const item of patch) {
      const index = out.findIndex((existing) => existing.name === item.name);
      if (index >= 0) out[index] = strategicMerge(out[index], item) as (typeof out)[number];
      else out.push(item);
    }
    return out;
  }
  return patch;
}

function isNamedList(items: unknown[]): items is Array<Record<string, unknown> & { name: unknown }> {
  return items.length > 0 && items.every((item) => isRecord(item) && typeof item.name === 'string');
}

/**
 * A small, strict renderer for the subset of Kustomize CartWatch's manifests use, so the test command
 * can render every overlay without a kustomize binary. Any kustomization field outside the subset is an
 * error (never silently ignored), so a manifest change that needs real kustomize fails here first.
 *
 * Supported: `resources` (files and directories), `namespace`, `patches` (strategic-merge files, matched
 * by kind and name), `images` (newName/newTag/digest), `replicas`. Applied in kustomize's order:
 * resources, patches, images, replicas, namespace.
 */
import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
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

/** Kinds that are not namespaced among those CartWatch ships (namespace transformer skips them). */
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
      for (const doc of loadYamlDocuments(path)) objects.push(asKubeObject(doc, path));
    }
  }

  for (const patch of list(config.patches, file, 'patches')) {
    if (!isRecord(patch) || typeof patch.path !== 'string' || Object.keys(patch).some((k) => k !== 'path')) {
      throw new Error(`${file}: only { path } strategic-merge patches are supported`);
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
    if (override.digest) container.image = `${name}@${override.digest}`;
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

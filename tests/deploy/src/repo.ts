/** Paths into the repository and YAML loading shared by the deployment checks. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export function repoPath(...parts: string[]): string {
  return join(repoRoot, ...parts);
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
};

/**
 * Parses a (multi-document) YAML file strictly: syntax errors, duplicate keys and warnings all throw,
 * naming the file. Empty documents (a trailing `---`) are dropped.
 */
export function loadYamlDocuments(path: string): unknown[] {
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  const docs = parseAllDocuments(readText(path), { uniqueKeys: true, strict: true, prettyErrors: true });
  const values: unknown[] = [];
  for (const doc of docs) {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) throw new Error(`${path}: ${problems.map((p) => p.message).join('; ')}`);
    const value: unknown = doc.toJS({ maxAliasCount: 0 });
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

export function loadYaml(path: string): unknown {
  const docs = loadYamlDocuments(path);
  if (docs.length !== 1) throw new Error(`${path}: expected one YAML document, found ${docs.length}`);
  return docs[0];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asKubeObject(value: unknown, source: string): KubeObject {
  if (
    !isRecord(value) ||
    typeof value.apiVersion !== 'string' ||
    typeof value.kind !== 'string' ||
    !isRecord(value.metadata) ||
    typeof value.metadata.name !== 'string'
  ) {
    throw new Error(`${source}: not a Kubernetes object (apiVersion, kind, metadata.name required)`);
  }
  return value as KubeObject;
}

export function objectId(obj: KubeObject): string {
  return `${obj.kind}/${obj.metadata.name}`;
}

/** The rendered object of `kind` named `name`; throws when it was not rendered. */
export function findObject(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} not rendered`);
  return found;
}

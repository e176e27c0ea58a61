/**
 * Validates rendered objects against their schemas with unknown fields rejected:
 * - built-in kinds: the Kubernetes OpenAPI schemas compiled by kubernetes-models (types, enums,
 *   required fields), plus a field-by-field walk of the @kubernetes/client-node model metadata that
 *   rejects any field the API does not define (kubernetes-models' schemas allow extra fields);
 * - Flux kinds: @kubernetes-models/flux-cd's compiled CRD schemas plus our strict schemas;
 * - CloudNativePG kinds: our strict schemas (crd-schemas.ts);
 * - Prometheus Operator kinds (PodMonitor, PrometheusRule): @kubernetes-models/prometheus-operator's
 *   compiled CRD schemas plus our strict schemas.
 * Anything else is an error: an object of an unknown kind cannot be checked, so it cannot ship.
 */

import * as k8sClient from '@kubernetes/client-node';
import * as helmToolkit from '@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2';
import * as kustomizeToolkit from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1';
import * as sourceToolkit from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1';
import { PodMonitor, PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Ajv } from 'ajv';
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as batch from 'kubernetes-models/batch/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as rbac from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as core from 'kubernetes-models/v1';
import { customResourceSchemas } from './crd-schemas.js';
import { isRecord, type KubeObject, objectId } from './repo.js';
import { withoutSopsMetadata } from './sops.js';

type ModelClass = { apiVersion: string; kind: string; new (data: unknown): { validate(): void } };

const models = new Map<string, ModelClass>();
for (const group of [
  core,
  apps,
  autoscaling,
  batch,
  networking,
  policy,
  rbac,
  sourceToolkit,
  helmToolkit,
  kustomizeToolkit,
  { PodMonitor, PrometheusRule },
]) {
  for (const candidate of Object.values(group) as unknown[]) {
    if (typeof candidate !== 'function') continue;
    const model = candidate as unknown as ModelClass;
    if (typeof model.apiVersion === 'string' && typeof model.kind === 'string') {
      models.set(`${model.apiVersion}/${model.kind}`, model);
    }
  }
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const strictValidators = new Map(
  Object.entries(customResourceSchemas).map(([key, schema]) => [key, ajv.compile(schema)] as const),
);

type AttributeType = { baseName: string; type: string };
type ClientModel = { getAttributeTypeMap(): AttributeType[] };
const clientModels = k8sClient as unknown as Record<string, ClientModel | undefined>;
const scalarTypes = new Set(['string', 'number', 'boolean', 'Date', 'any', 'object', 'IntOrString']);

/** Names of @kubernetes/client-node's model for a built-in object, e.g. apps/v1 Deployment -> V1Deployment. */
function clientModelName(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').pop() ?? apiVersion;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

/** Every path in `value` that the client-node model `type` does not define. */
export function unknownFields(value: unknown, type: string, path: string): string[] {
  if (value === null || value === undefined || scalarTypes.has(type)) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array?.[1]) {
    const inner = array[1];
    return Array.isArray(value)
      ? value.flatMap((item, i) => unknownFields(item, inner, `${path}[${i}]`))
      : [];
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map?.[1]) {
    const inner = map[1];
    return isRecord(value)
      ? Object.entries(value).flatMap(([k, v]) => unknownFields(v, inner, `${path}.${k}`))
      : [];
  }
  const model = clientModels[type];
  if (!model || typeof model.getAttributeTypeMap !== 'function')
    return [`${path}: no model for type ${type}`];
  if (!isRecord(value)) return [];
  const attributes = model.getAttributeTypeMap();
  return Object.entries(value).flatMap(([key, child]) => {
    const attribute = attributes.find((a) => a.baseName === key);
    return attribute
      ? unknownFields(child, attribute.type, `${path}.${key}`)
      : [`${path}.${key}: unknown field`];
  });
}

/** Problems with one object; empty when it is valid. */
export function validateObject(encrypted: KubeObject): string[] {
  // Flux decrypts a SOPS-encrypted Secret and drops its `sops:` metadata before applying it.
  const obj = withoutSopsMetadata(encrypted);
  const key = `${obj.apiVersion}/${obj.kind}`;
  const id = objectId(obj);
  const problems: string[] = [];
  const model = models.get(key);
  const strict = strictValidators.get(key);
  if (!model && !strict) return [`${id}: no schema for ${key}`];
  if (model) {
    try {
      new model(obj).validate();
    } catch (error) {
      problems.push(`${id}: ${(error as Error).message}`);
    }
  }
  if (strict) {
    if (!strict(obj)) {
      for (const e of strict.errors ?? []) {
        const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
        problems.push(`${id}: ${e.instancePath || '/'} ${e.message ?? e.keyword}${extra}`);
      }
    }
    problems.push(...unknownFields(obj.metadata, 'V1ObjectMeta', `${id}.metadata`));
  } else {
    const clientModel = clientModelName(obj.apiVersion, obj.kind);
    if (!clientModels[clientModel]) problems.push(`${id}: no field model ${clientModel}`);
    else problems.push(...unknownFields(obj, clientModel, id));
  }
  return problems;
}

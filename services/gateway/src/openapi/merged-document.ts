/**
 * The public `/openapi.json`: the gateway's own document merged with every service's
 * `/internal/openapi.json` (fetched with the service key, cached). Only paths the route table sends to
 * that service are taken, and never `/internal/*` (the gateway's own included); a service that is down is left out until it answers, and
 * named in `x-unavailable-services`. Component names that clash with different content are prefixed
 * with the service name.
 */
import { matchRoute, type ServiceName, upstreamServices } from '@cartwatch/common-types';
import { buildOpenApiDocument, OPENAPI_PATH, type OpenAPIRegistry } from '@cartwatch/service-kit';
import type { Logger } from 'pino';

type Json = Record<string, unknown>;

/** `parent[key]`, created as an empty object when absent. */
function childObject<T extends Json>(parent: Json, key: string): T {
  if (parent[key] === undefined) parent[key] = {};
  return parent[key] as T;
}
type Upstream = Exclude<ServiceName, 'gateway'>;

export interface MergedDocumentOptions {
  registry: OpenAPIRegistry;
  upstreams: Record<Upstream, string>;
  serviceKey: string;
  logger: Logger;
  /** How long a fetched service document is reused. */
  cacheMs?: number;
  fetchTimeoutMs?: number;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function pascal(service: string): string {
  return service
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** Renames component references in a document (as JSON text, so every nested `$ref` is covered). */
function renameRefs(document: Json, renames: Map<string, string>): Json {
  if (renames.size === 0) return document;
  let text = JSON.stringify(document);
  for (const [from, to] of renames) text = text.replaceAll(`"${from}"`, `"${to}"`);
  return JSON.parse(text) as Json;
}

/** `post /auth/otp/verify` -> `postAuthOtpVerify`; `get /products/{id}` -> `getProductsById`. */
function derivedOperationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .map((segment) => segment.replace(/^\{(.+)\}$/, 'by-$1'))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return method + words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
}

/** Every operation gets an operationId and a summary (services that omit them still lint clean). */
function completeOperations(paths: Record<string, Json>): void {
  const used = new Set<string>();
  for (const [path, item] of Object.entries(paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method] as Json | undefined;
      if (!operation) continue;
      let id =
        typeof operation.operationId === 'string' ? operation.operationId : derivedOperationId(method, path);
      while (used.has(id)) id = `${id}_`;
      used.add(id);
      operation.operationId = id;
      operation.summary ??= `${method.toUpperCase()} ${path}`;
    }
  }
}

/** Every `#/components/...` reference reachable from the document's paths (and other parts). */
function reachableComponents(document: Json): Set<string> {
  const components = (document.components ?? {}) as Record<string, Json>;
  const found = new Set<string>();
  const visit = (value: unknown) => {
    for (const [, ref] of JSON.stringify(value).matchAll(/"\$ref":"(#\/components\/[^"]+)"/g)) {
      if (!ref || found.has(ref)) continue;
      found.add(ref);
      const [kind, name] = ref.slice('#/components/'.length).split('/');
      if (kind && name) visit(components[kind]?.[name]);
    }
  };
  visit({ ...document, components: undefined });
  return found;
}

/**
 * Deletes the schemas nothing in the document refers to any more: those only the left-out `/internal/*`
 * routes (the gateway's purge, the services' internal routes) used. The public document describes what
 * the edge answers.
 */
function pruneUnreferencedSchemas(document: Json): void {
  const reachable = reachableComponents(document);
  const schemas = ((document.components ?? {}) as Record<string, Json>).schemas ?? {};
  for (const name of Object.keys(schemas)) {
    if (!reachable.has(`#/components/schemas/${name}`)) delete schemas[name];
  }
}

export function mergeOpenApiDocuments(
  gateway: Json,
  services: { service: Upstream; document: Json }[],
): Json {
  const merged = structuredClone(gateway);
  const paths = childObject<Record<string, Json>>(merged, 'paths');
  for (const path of Object.keys(paths)) if (path.startsWith('/internal')) delete paths[path];
  const components = childObject<Record<string, Json>>(merged, 'components');
  const tags = new Map<string, Json>(
    ((merged.tags as Json[] | undefined) ?? []).map((tag) => [String(tag.name), tag]),
  );

  for (const { service, document } of services) {
    const incoming = (document.components ?? {}) as Record<string, Record<string, unknown>>;
    const renames = new Map<string, string>();
    for (const [kind, entries] of Object.entries(incoming)) {
      for (const [name, value] of Object.entries(entries ?? {})) {
        const existing = components[kind]?.[name];
        if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(value)) {
          renames.set(`#/components/${kind}/${name}`, `#/components/${kind}/${pascal(service)}${name}`);
        }
      }
    }
    const renamed = renameRefs(document, renames);
    for (const [kind, entries] of Object.entries((renamed.components ?? {}) as Record<string, Json>)) {
      const target = childObject(components, kind);
      for (const [name, value] of Object.entries(entries ?? {})) {
        const ref = `#/components/${kind}/${name}`;
        target[renames.has(ref) ? `${pascal(service)}${name}` : name] = value;
      }
    }
    for (const [path, item] of Object.entries((renamed.paths ?? {}) as Record<string, Json>)) {
      const route = matchRoute(path.replace(/\{[^}]+\}/g, 'x'));
      if (!route || route.service !== service || path.startsWith('/internal')) continue;
      const target = childObject(paths, path);
      for (const [key, operation] of Object.entries(item)) {
        if (!HTTP_METHODS.includes(key)) {
          target[key] ??= operation;
          continue;
        }
        const op = { ...(operation as Json) };
        // Public and device routes need no access token; user routes inherit the global bearer scheme.
        if (route.auth !== 'user' && op.security === undefined) op.security = [];
        op.tags ??= [service];
        target[key] = op;
      }
    }
    for (const tag of (renamed.tags as Json[] | undefined) ?? []) tags.set(String(tag.name), tag);
  }
  if (tags.size > 0) merged.tags = [...tags.values()];
  completeOperations(paths);
  pruneUnreferencedSchemas(merged);
  return merged;
}

export class MergedOpenApi {
  private readonly cache = new Map<Upstream, { document: Json; fetchedAt: number }>();
  private gatewayDocument: Json | undefined;

  constructor(private readonly options: MergedDocumentOptions) {}

  private gateway(): Json {
    if (!this.gatewayDocument) {
      const document = buildOpenApiDocument(this.options.registry, 'gateway') as unknown as Json;
      this.gatewayDocument = {
        ...document,
        info: {
          title: 'CartWatch API',
          version: '0.1.0',
          description:
            'Every public route of CartWatch behind its gateway. Errors: `{ error: { code, message, details?, requestId } }`.',
        },
        servers: [{ url: '/', description: 'This gateway' }],
        security: [{ bearerAuth: [] }],
      };
    }
    return this.gatewayDocument;
  }

  private async fetchDocument(service: Upstream): Promise<Json | undefined> {
    const cached = this.cache.get(service);
    if (cached && Date.now() - cached.fetchedAt < (this.options.cacheMs ?? 60_000)) return cached.document;
    try {
      const response = await fetch(new URL(OPENAPI_PATH, this.options.upstreams[service]), {
        headers: { 'x-service-key': this.options.serviceKey, accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.fetchTimeoutMs ?? 2_000),
        redirect: 'error',
      });
      // 404: the service documents no routes (it has no registry); that is an answer, not an outage.
      if (response.status === 404) {
        await response.body?.cancel();
        this.cache.set(service, { document: { paths: {} }, fetchedAt: Date.now() });
        return { paths: {} };
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const document = (await response.json()) as Json;
      this.cache.set(service, { document, fetchedAt: Date.now() });
      return document;
    } catch (error) {
      this.options.logger.warn({ err: error, service }, 'service OpenAPI document unavailable');
      return cached?.document; // a stale document beats none
    }
  }

  async document(): Promise<Json> {
    const fetched = await Promise.all(
      upstreamServices.map(async (service) => ({ service, document: await this.fetchDocument(service) })),
    );
    const available = fetched.filter(
      (entry): entry is { service: Upstream; document: Json } => !!entry.document,
    );
    const merged = mergeOpenApiDocuments(this.gateway(), available);
    const unavailable = fetched.filter((entry) => !entry.document).map((entry) => entry.service);
    if (unavailable.length > 0) merged['x-unavailable-services'] = unavailable;
    return merged;
  }
}

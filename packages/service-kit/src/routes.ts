/**
 * `defineRoute({ method, path, request, responses, handler })`: one declaration mounts a route on express
 * and documents it in the service's OpenAPI registry, from the same zod schemas the route parses its
 * input with, so the router and the document cannot drift apart (docs/architecture.md#routes). A routes
 * file exports its definitions; `mountRoutes(app, registry, routes)` mounts and documents them in order.
 *
 * `request.params`, `request.query` and a zod `request.body` are parsed before the handler runs (400
 * VALIDATION_FAILED in the documented shape) and handed to it typed; a body given as OpenAPI `content`
 * (an image upload, a CSV file) is documented only, and the handler reads the stream itself. A route
 * with `read` instead of `handler` answers 200 with what `read` returns; `fast: true` also serves that
 * answer on the fast path (fast-reads.ts).
 */
import type { ResponseConfig, ZodRequestBody } from '@asteasolutions/zod-to-openapi';
import type { Express, Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { type FastRead, fastReadFailure, recordFastRead } from './fast-reads.js';
import type { OpenAPIRegistry } from './openapi.js';
import { type CurrentUser, currentUser, findCurrentUser, requireUser } from './user-context.middleware.js';
import { parseBody, parseParams, parseQuery } from './validation.js';

export type RouteMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<P, Q, B, U extends 'required' | undefined> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  user: U extends 'required' ? CurrentUser : CurrentUser | undefined;
}

interface RouteBase<P, Q, B, U extends 'required' | undefined> {
  method: RouteMethod;
  /** An express path of literal and `:name` segments (`/watches/:id`); documented as `/watches/{id}`. */
  path: string;
  summary: string;
  description?: string;
  /** OpenAPI tags; the gateway's merged document tags a route without any by its service. */
  tags?: string[];
  /**
   * OpenAPI security requirements, when not the document's default: `[]` for a public route of the
   * gateway, `[{ deviceKey: [] }]` for a device's route.
   */
  security?: Array<Record<string, string[]>>;
  /** `required`: 401 without a user (requireUser runs first); the handler gets `input.user` set. */
  user?: U;
  /** Middleware between the user check and the handler: a role check, a rate limiter, a body reader. */
  use?: RequestHandler[];
  request?: {
    params?: P;
    query?: Q;
    /** A zod schema (a JSON body, parsed), or OpenAPI content the handler reads itself. */
    body?: B;
    /** Documented only; a route that needs a header checks it in a `use` middleware. */
    headers?: z.ZodObject<z.ZodRawShape>;
  };
  responses: Record<number, ResponseConfig>;
}

interface HandlerRoute<P, Q, B, U extends 'required' | undefined> extends RouteBase<P, Q, B, U> {
  handler(input: RouteInput<P, Q, B, U>, req: Request, res: Response): unknown;
  read?: never;
  fast?: never;
}

interface ReadRoute<P, Q, B, U extends 'required' | undefined> extends RouteBase<P, Q, B, U> {
  /** The body of a 200 answer; throw an AppError for anything else. */
  read(input: RouteInput<P, Q, B, U>): Promise<unknown>;
  /** Also answer the ordinary success outside express (GET only). */
  fast?: boolean;
  handler?: never;
}

export type RouteSpec<P, Q, B, U extends 'required' | undefined> =
  | HandlerRoute<P, Q, B, U>
  | ReadRoute<P, Q, B, U>;

/** A declared route; build with defineRoute, mount with mountRoutes. */
export interface RouteDefinition {
  readonly method: RouteMethod;
  readonly path: string;
  /** The path as OpenAPI writes it. */
  readonly documentedPath: string;
  mount(router: Express | Router): void;
  document(registry: OpenAPIRegistry): void;
}

function isZodType(value: unknown): value is z.ZodType {
  return value instanceof z.ZodType;
}

/** `/watches/:id` → `/watches/{id}`; anything but literal and `:name` segments is refused. */
export function openApiPath(expressPath: string): string {
  if (!expressPath.startsWith('/')) throw new Error(`route path must start with '/': ${expressPath}`);
  return expressPath
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        const name = segment.slice(1);
        if (!/^\w+$/.test(name)) throw new Error(`unsupported path parameter '${segment}' in ${expressPath}`);
        return `{${name}}`;
      }
      if (/[:*?{}()]/.test(segment))
        throw new Error(`unsupported path segment '${segment}' in ${expressPath}`);
      return segment;
    })
    .join('/');
}

export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | ZodRequestBody | undefined = undefined,
  U extends 'required' | undefined = undefined,
>(spec: RouteSpec<P, Q, B, U>): RouteDefinition {
  const documentedPath = openApiPath(spec.path);
  const { params, query, body, headers } = spec.request ?? {};
  if (spec.fast && spec.method !== 'get') throw new Error(`fast reads are GET routes: ${spec.path}`);
  if (spec.fast && body !== undefined) throw new Error(`a fast read has no body: ${spec.path}`);

  const inputOf = (req: Request) =>
    ({
      params: params ? parseParams(params, req) : undefined,
      query: query ? parseQuery(query, req) : undefined,
      body: isZodType(body) ? parseBody(body, req) : undefined,
      user: spec.user === 'required' ? currentUser(req) : findCurrentUser(req),
    }) as RouteInput<P, Q, B, U>;

  const handler: RequestHandler = spec.read
    ? async (req, res) => {
        // A fast read that failed on the fast path is not run again: its error is answered here.
        const failure = fastReadFailure(req);
        if (failure) throw failure.error;
        res.json(await spec.read(inputOf(req)));
      }
    : async (req, res) => {
        await spec.handler(inputOf(req), req, res);
      };
  const chain = [...(spec.user === 'required' ? [requireUser] : []), ...(spec.use ?? []), handler];

  return {
    method: spec.method,
    path: spec.path,
    documentedPath,
    mount(router) {
      (router as Router)[spec.method](spec.path, ...chain);
      if (spec.fast) {
        const read = spec.read;
        recordFastRead(router, {
          path: spec.path,
          params: params ?? z.object({}),
          query: query ?? z.object({}),
          ...(spec.user === 'required' && { user: 'required' }),
          handle: (input) => read({ ...input, body: undefined } as RouteInput<P, Q, B, U>),
        } as FastRead);
      }
    },
    document(registry) {
      registry.registerPath({
        method: spec.method,
        path: documentedPath,
        ...(spec.tags && { tags: spec.tags }),
        ...(spec.security && { security: spec.security }),
        summary: spec.summary,
        ...(spec.description && { description: spec.description }),
        request: {
          ...(params && { params: params as z.ZodObject<z.ZodRawShape> }),
          ...(query && { query: query as z.ZodObject<z.ZodRawShape> }),
          ...(headers && { headers }),
          ...(body !== undefined && {
            body: isZodType(body) ? { content: { 'application/json': { schema: body } } } : body,
          }),
        },
        responses: spec.responses,
      });
    },
  };
}

/** Mounts every route on `router` and documents it in `registry`, in order. */
export function mountRoutes(
  router: Express | Router,
  registry: OpenAPIRegistry,
  routes: readonly RouteDefinition[],
): void {
  for (const route of routes) {
    route.mount(router);
    route.document(registry);
  }
}

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
  rawPath?: unknown;
  handle: { stack?: RouterLayer[] };
}

/**
 * Every route express would answer on `app`, as `METHOD /openapi/{path}` (sub-routers included, under
 * their mount path), sorted: what the router-equals-document check compares with the OpenAPI document.
 */
export function mountedRoutes(app: Express): string[] {
  const found = new Set<string>();
  const walk = (stack: RouterLayer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all')
            found.add(`${method.toUpperCase()} ${openApiPath(prefix + layer.route.path)}`);
        }
      } else if (layer.handle.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack, '');
  return [...found].sort();
}

/**
 * OpenAPI from the same zod schemas the routes validate with (zod-to-openapi). Each service registers its
 * public routes on a registry and serves the document at `GET /internal/openapi.json` (service key
 * required); the gateway merges them into the one `/openapi.json`.
 */
import {
  extendZodWithOpenApi,
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { ErrorBody, type ErrorCode, errorStatus, type ServiceName } from '@cartwatch/common-types';
import { type ZodType, z } from 'zod';

// Adds `.openapi()` to zod (one zod instance in the workspace); plain `.meta({ id })` also works.
extendZodWithOpenApi(z);

export type { RouteConfig };
export { OpenAPIRegistry };
export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

export const OPENAPI_PATH = '/internal/openapi.json';

const ErrorBodySchema = ErrorBody.meta({ id: 'ErrorBody' });

const errorDescriptions: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'The request is malformed; `details.issues` lists every bad field.',
  UNAUTHENTICATED: 'No valid credentials.',
  FORBIDDEN: 'Authenticated, but not allowed to do this.',
  NOT_FOUND: 'No such resource (or not yours).',
  CONFLICT: 'The request conflicts with the current state.',
  OUT_OF_STOCK: 'Not enough stock; `details.shortages` lists what was short.',
  REQUEST_TIMEOUT: 'The request (headers and body) did not arrive in time.',
  PAYLOAD_TOO_LARGE: 'The body exceeds the size limit.',
  HEADERS_TOO_LARGE: 'The request headers exceed the size limit.',
  UNPROCESSABLE: 'Well-formed, but cannot be processed.',
  RATE_LIMITED: 'Too many requests; see `Retry-After`.',
  INTERNAL: 'Unexpected server error.',
  UPSTREAM_UNAVAILABLE: 'A dependency is unavailable.',
  UPSTREAM_TIMEOUT: 'A dependency did not answer in time.',
};

/** Error responses in the documented shape, e.g. `...errorResponses('VALIDATION_FAILED', 'NOT_FOUND')`. */
export function errorResponses(...codes: ErrorCode[]): Record<number, ResponseConfig> {
  const responses: Record<number, ResponseConfig> = {};
  for (const code of codes) {
    const status = errorStatus[code];
    const existing = responses[status];
    responses[status] = {
      description: existing
        ? `${existing.description} / ${errorDescriptions[code]}`
        : errorDescriptions[code],
      content: { 'application/json': { schema: ErrorBodySchema } },
    };
  }
  return responses;
}

export function createOpenApiRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.register('ErrorBody', ErrorBodySchema);
  return registry;
}

export function buildOpenApiDocument(
  registry: OpenAPIRegistry,
  service: ServiceName,
  version = '0.1.0',
): OpenApiDocument {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: `CartWatch ${service}`, version },
  });
}

/** A documented JSON response: `200: jsonResponse(Order, 'The order')`. */
export function jsonResponse(schema: ZodType, description: string): ResponseConfig {
  return { description, content: { 'application/json': { schema } } };
}

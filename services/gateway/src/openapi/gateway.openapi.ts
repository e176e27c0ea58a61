/**
 * The gateway's OpenAPI registry: its security scheme and shared components. Its routes document
 * themselves in it as they are mounted (defineRoute, in each `*.routes.ts`).
 */
import { createOpenApiRegistry, type OpenAPIRegistry } from '@cartwatch/service-kit';

export function createGatewayOpenApiRegistry(): OpenAPIRegistry {
  const registry = createOpenApiRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'EdDSA access token from /auth/login, /auth/refresh or /auth/otp/verify (15 minutes).',
  });
  return registry;
}

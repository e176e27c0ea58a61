/**
 * `/openapi.json` (the merged document) and Swagger UI at `/docs`, served from swagger-ui-dist with no
 * inline script, so helmet's default Content-Security-Policy (`script-src 'self'`) holds.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineRoute, errorResponses, type RouteDefinition } from '@cartwatch/service-kit';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { MergedOpenApi } from './merged-document.js';

const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const assets = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
} satisfies Record<string, string>;
type Asset = keyof typeof assets;
const assetNames = Object.keys(assets) as [Asset, ...Asset[]];

function isAsset(name: string): name is Asset {
  return Object.hasOwn(assets, name);
}

/** Any other name under /docs is not this route's: express goes on to the next one (then a 404). */
const knownAsset: RequestHandler = (req, _res, next) => {
  next(isAsset(String(req.params.asset)) ? undefined : 'route');
};

const text = (type: string, description: string) => ({
  description,
  content: { [type]: { schema: z.string() } },
});
const publicRoute = { tags: ['docs'], security: [] as Array<Record<string, string[]>> };

const indexHtml = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>CartWatch API</title>
    <link rel="stylesheet" type="text/css" href="/docs/swagger-ui.css" />
    <link rel="stylesheet" type="text/css" href="/docs/index.css" />
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/docs/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="/docs/swagger-initializer.js" charset="UTF-8"></script>
  </body>
</html>
`;

const initializer = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
};
`;

export function openApiRoutes(merged: MergedOpenApi): RouteDefinition[] {
  const cache: Partial<Record<Asset, Buffer>> = {};
  return [
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      ...publicRoute,
      summary: "This document: the gateway's routes merged with every service's public routes (OpenAPI 3.1)",
      responses: {
        200: {
          description: 'The OpenAPI document',
          content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
        },
      },
      handler: async (_input, _req, res) => {
        res.set('cache-control', 'public, max-age=60').json(await merged.document());
      },
    }),
    defineRoute({
      method: 'get',
      path: '/docs',
      ...publicRoute,
      summary: 'Swagger UI over /openapi.json',
      responses: { 200: text('text/html', 'The Swagger UI page (its scripts are files, none inline)') },
      handler: (_input, _req, res) => {
        res.type('html').set('cache-control', 'no-cache').send(indexHtml);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/docs/swagger-initializer.js',
      ...publicRoute,
      summary: 'The script that starts Swagger UI on /openapi.json',
      responses: { 200: text('text/javascript', 'The script') },
      handler: (_input, _req, res) => {
        res.type('text/javascript').send(initializer);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/docs/:asset',
      ...publicRoute,
      summary: "A file of Swagger UI (swagger-ui-dist's stylesheets, scripts and icons)",
      use: [knownAsset],
      request: { params: z.object({ asset: z.enum(assetNames) }) },
      responses: {
        200: {
          description: 'The file, cached for a day',
          content: {
            'text/css': { schema: z.string() },
            'text/javascript': { schema: z.string() },
            'image/png': { schema: z.string().meta({ format: 'binary' }) },
          },
        },
        ...errorResponses('NOT_FOUND'),
      },
      handler: ({ params: { asset } }, _req, res) => {
        cache[asset] ??= readFileSync(join(swaggerDir, asset));
        res
          .set('content-type', assets[asset])
          .set('cache-control', 'public, max-age=86400')
          .send(cache[asset]);
      },
    }),
  ];
}

/**
 * `/openapi.json` (the merged document) and Swagger UI at `/docs`, served from swagger-ui-dist with no
 * inline script, so helmet's default Content-Security-Policy (`script-src 'self'`) holds.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Express } from 'express';
import type { MergedOpenApi } from './merged-document.js';

const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

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

export function mountOpenApiRoutes(app: Express, merged: MergedOpenApi): void {
  const cache: Record<string, Buffer> = {};
  app.get('/openapi.json', async (_req, res) => {
    res.set('cache-control', 'public, max-age=60').json(await merged.document());
  });
  app.get('/docs', (_req, res) => {
    res.type('html').set('cache-control', 'no-cache').send(indexHtml);
  });
  app.get('/docs/swagger-initializer.js', (_req, res) => {
    res.type('text/javascript').send(initializer);
  });
  app.get('/docs/:asset', (req, res, next) => {
    const asset = req.params.asset;
    const type = assets[asset];
    if (!type) {
      next();
      return;
    }
    cache[asset] ??= readFileSync(join(swaggerDir, asset));
    res.set('content-type', type).set('cache-control', 'public, max-age=86400').send(cache[asset]);
  });
}

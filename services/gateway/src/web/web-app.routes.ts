/**
 * Serves the built web app (`services/web/dist`) at `/`: its files as they are, and `index.html` for any
 * other extension-less GET whose Accept header names text/html (a browser opening an app route). Mounted after every API route, and it
 * never answers a path under a route-table prefix, a gateway-owned path or an operational path, so an
 * API 404 stays a JSON error. Without a build (e.g. the gateway's own image) nothing is mounted. In
 * production it never serves a source map (`*.map`), even one a build left behind: they publish the
 * app's sources.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isGatewayOwned, matchRoute, operationalPrefixes } from '@cartwatch/common-types';
import express, { type Express } from 'express';

/** services/web/dist, from src/web or dist/web of this package. */
export const defaultWebAppDirectory = fileURLToPath(new URL('../../../web/dist', import.meta.url));

function isApiPath(pathname: string): boolean {
  return (
    matchRoute(pathname) !== undefined ||
    isGatewayOwned(pathname) ||
    operationalPrefixes.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`))
  );
}

/** Browsers navigating name text/html; API clients sending any-type or no Accept keep getting JSON 404s. */
function acceptsHtmlExplicitly(accept: string | undefined): boolean {
  return /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept ?? '');
}

function isSourceMap(pathname: string): boolean {
  return pathname.toLowerCase().endsWith('.map');
}

export function mountWebApp(
  app: Express,
  directory = defaultWebAppDirectory,
  options: { production: boolean } = { production: true },
): void {
  const indexFile = path.join(directory, 'index.html');
  if (!existsSync(indexFile)) return;
  const files = express.static(directory, {
    index: false,
    fallthrough: true,
    setHeaders(res, file) {
      // Hashed build assets never change; everything else (sw.js, manifest, icons) is revalidated.
      const hashed = file.startsWith(path.join(directory, 'assets') + path.sep);
      res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app.use((req, res, next) => {
    if (
      (req.method !== 'GET' && req.method !== 'HEAD') ||
      isApiPath(req.path) ||
      (options.production && isSourceMap(req.path))
    ) {
      next();
      return;
    }
    files(req, res, () => {
      // A missing file (`/assets/gone.js`) is a 404, not the app: only extension-less paths are app routes.
      if (!acceptsHtmlExplicitly(req.get('accept')) || path.posix.extname(req.path) !== '') {
        next();
        return;
      }
      res.set('cache-control', 'no-cache').sendFile(indexFile);
    });
  });
}

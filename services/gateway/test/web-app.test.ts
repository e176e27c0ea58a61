/**
 * The built web app at `/`: files as they are, index.html for other HTML GETs, and never in the way of an
 * API path: those stay the gateway's JSON answers. Driven through the gateway's own middleware stack.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServiceApp } from '@cartwatch/service-kit';
import type { Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountWebApp } from '../src/web/web-app.routes.js';

let directory: string;
let app: Express;
const INDEX = '<!doctype html><title>CartWatch</title><div id="root"></div>';

function gatewayLikeApp(webDirectory: string, options: { production?: boolean } = {}): Express {
  return createServiceApp({
    service: 'gateway',
    logger: pino({ level: 'silent' }),
    serviceKey: 'k'.repeat(32),
    edge: true,
    routes(app) {
      app.get('/auth/me', (_req, res) => {
        res.status(401).json({ error: { code: 'UNAUTHENTICATED', message: 'no', requestId: 'r' } });
      });
      mountWebApp(app, webDirectory, { production: options.production ?? false });
    },
  });
}

beforeAll(() => {
  directory = mkdtempSync(path.join(tmpdir(), 'cartwatch-web-'));
  mkdirSync(path.join(directory, 'assets'));
  writeFileSync(path.join(directory, 'index.html'), INDEX);
  writeFileSync(path.join(directory, 'assets', 'index-abc123.js'), 'console.log("app")');
  writeFileSync(path.join(directory, 'assets', 'index-abc123.js.map'), '{"version":3,"sources":["app.tsx"]}');
  writeFileSync(path.join(directory, 'sw.js.map'), '{"version":3,"sources":["sw.ts"]}');
  writeFileSync(path.join(directory, 'sw.js'), 'self.addEventListener("fetch", () => {})');
  app = gatewayLikeApp(directory);
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('source maps', () => {
  it('are never served by a production gateway, even when the build left them behind', async () => {
    const production = gatewayLikeApp(directory, { production: true });
    for (const url of ['/assets/index-abc123.js.map', '/sw.js.map']) {
      const response = await request(production).get(url);
      expect(response.status, url).toBe(404);
      expect(response.body.error.code, url).toBe('NOT_FOUND');
      expect(response.text, url).not.toContain('sources');
    }
    await request(production).get('/assets/index-abc123.js').expect(200);
  });

  it('are served in development, for debugging a local build', async () => {
    await request(app).get('/assets/index-abc123.js.map').expect(200);
  });
});

describe('the web app at /', () => {
  it('serves index.html at / and for app paths that accept HTML, revalidated on every load', async () => {
    const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    for (const url of ['/', '/app/purchases', '/explore/inflation?period=2026-10']) {
      const response = await request(app).get(url).set('accept', browserAccept).expect(200);
      expect(response.text, url).toBe(INDEX);
      expect(response.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves hashed assets as immutable and the service worker as revalidated', async () => {
    const asset = await request(app).get('/assets/index-abc123.js').expect(200);
    expect(asset.text).toBe('console.log("app")');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const worker = await request(app).get('/sw.js').expect(200);
    expect(worker.headers['content-type']).toMatch(/javascript/);
    expect(worker.headers['cache-control']).toBe('no-cache');
  });

  it('never answers an API path with the app, even when the browser asks for HTML', async () => {
    const auth = await request(app).get('/auth/me').set('accept', 'text/html').expect(401);
    expect(auth.body.error.code).toBe('UNAUTHENTICATED');
    for (const url of [
      '/purchases',
      '/products/x',
      '/public/inflation',
      '/auth/nope',
      '/me',
      '/internal/openapi.json',
      '/metrics/x',
      '/docs/nope',
    ]) {
      const response = await request(app).get(url).set('accept', 'text/html');
      expect(response.text, url).not.toContain('<div id="root">');
      expect(response.status, url).toBe(404);
      expect(response.body.error.code, url).toBe('NOT_FOUND');
    }
  });

  it('leaves non-HTML requests, other methods and missing files to the JSON 404', async () => {
    for (const accept of ['application/json', '*/*', undefined]) {
      const call = request(app).get('/app/purchases');
      const response = await (accept ? call.set('accept', accept) : call).expect(404);
      expect(response.body.error.code, accept).toBe('NOT_FOUND');
    }
    await request(app).post('/app/purchases').set('accept', 'text/html').expect(404);
    const missingAsset = await request(app).get('/assets/gone.js').set('accept', 'text/html').expect(404);
    expect(missingAsset.body.error.code).toBe('NOT_FOUND');
  });

  it('does not serve files outside its directory', async () => {
    const response = await request(app).get('/..%2fpackage.json').set('accept', 'application/json');
    expect(response.status).toBe(404);
  });

  it('mounts nothing when the app is not built', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'cartwatch-web-empty-'));
    try {
      const response = await request(gatewayLikeApp(empty)).get('/').set('accept', 'text/html').expect(404);
      expect(response.body.error.code).toBe('NOT_FOUND');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

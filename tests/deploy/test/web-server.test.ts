/**
 * The nginx configuration of the web app's image (infra/web/): what nginx answers for the app's paths,
 * its files and hashed assets (with nginx's own location rules), the security headers (the gateway's,
 * exactly), a read-only root filesystem, and compose's API routes to the gateway.
 */
import { apiPathPrefixes, edgeDeniedPrefixes, gatewayEdgePrefixes } from '@cartwatch/common-types';
import { securityHeaderList } from '@cartwatch/service-kit';
import { describe, expect, it } from 'vitest';
import {
  addedHeaders,
  type Directive,
  directives,
  locationFor,
  only,
  parseNginx,
  withIncluded,
} from '../src/nginx.js';
import { readText, repoPath } from '../src/repo.js';

const main = parseNginx(readText(repoPath('infra/web/nginx.conf')));
const http = only(main, 'http').block ?? [];
const server = only(http, 'server').block ?? [];
const securityHeadersFile = '/etc/nginx/cartwatch/security-headers.conf';
const securityHeaders = parseNginx(readText(repoPath('infra/web/security-headers.conf')));
const composeRoutes = parseNginx(readText(repoPath('infra/web/compose-api-routes.conf')));

const argsOf = (block: Directive[] | undefined, name: string) => only(block, name).args;
const location = (uri: string) => {
  const found = locationFor(server, uri);
  if (!found) throw new Error(`no location answers ${uri}`);
  return found;
};
/** A location's headers with the security headers it includes. */
const headersOf = (block: Directive[] | undefined) =>
  addedHeaders(withIncluded(block ?? [], { [securityHeadersFile]: securityHeaders }));

describe('infra/web/nginx.conf', () => {
  it('parses', () => {
    expect(parseNginx('a "b;c" {\n  d e; # f\n}\n')).toEqual([
      { name: 'a', args: ['b;c'], block: [{ name: 'd', args: ['e'] }] },
    ]);
    expect(() => parseNginx('a {')).toThrow(/missing }/);
    expect(() => parseNginx('a b')).toThrow(/missing ;/);
  });

  it('writes only to /tmp, so the root filesystem can be read-only', () => {
    expect(argsOf(main, 'pid')).toEqual(['/tmp/nginx.pid']);
    for (const name of [
      'client_body_temp_path',
      'proxy_temp_path',
      'fastcgi_temp_path',
      'uwsgi_temp_path',
      'scgi_temp_path',
    ]) {
      expect(argsOf(http, name)[0], name).toMatch(/^\/tmp\//);
    }
    expect(argsOf(main, 'error_log')[0]).toBe('/dev/stderr');
    expect(argsOf(http, 'access_log')[0]).toBe('/dev/stdout');
  });

  it('listens on 8080 and serves the build the image copies in, without naming its version', () => {
    expect(argsOf(server, 'listen')).toEqual(['8080']);
    expect(argsOf(server, 'root')).toEqual(['/usr/share/nginx/html']);
    expect(argsOf(http, 'server_tokens')).toEqual(['off']);
  });

  it.each(['/', '/app', '/app/admin/coupons', '/sign-in', '/explore/stores'])(
    'answers the app route %s with the app shell, revalidated on every use, GET only',
    (uri) => {
      const block = location(uri).block;
      expect(location(uri).args).toEqual(['/']);
      expect(argsOf(block, 'try_files')).toEqual(['$uri', '/index.html']);
      expect(headersOf(block).get('Cache-Control')).toEqual({ value: 'no-cache', always: true });
      const limit = only(block, 'limit_except');
      expect(limit.args).toEqual(['GET']);
      expect(limit.block).toEqual([{ name: 'deny', args: ['all'] }]);
    },
  );

  it('never serves a source map, in /assets/ or anywhere else', () => {
    for (const uri of ['/sw.js.map', '/workbox-8fa39965.js.map', '/assets/index-BTSlRKVM.js.map']) {
      let found = location(uri);
      // /assets/ is a ^~ prefix: its own nested locations decide.
      if (found.args[0] === '^~') found = locationFor(found.block ?? [], uri) ?? found;
      expect(found.args, uri).toEqual(['~', '\\.map$']);
      expect(argsOf(found.block, 'return'), uri).toEqual(['404']);
    }
  });

  it('caches hashed assets for a year, but never a missing one', () => {
    const found = location('/assets/index-BTSlRKVM.js');
    expect(found.args).toEqual(['^~', '/assets/']);
    expect(argsOf(found.block, 'try_files')).toEqual(['$uri', '=404']);
    expect(headersOf(found.block).get('Cache-Control')).toEqual({
      value: 'public, max-age=31536000, immutable',
      always: false,
    });
  });

  it.each(['/sw.js', '/registerSW.js', '/workbox-8fa39965.js', '/icon-192.png', '/index.html'])(
    'serves the file %s as it is, revalidated, and a 404 when it is missing (not the app)',
    (uri) => {
      const block = location(uri).block;
      expect(argsOf(block, 'try_files')).toEqual(['$uri', '=404']);
      expect(headersOf(block).get('Cache-Control')?.value).toBe('no-cache');
    },
  );

  it('serves the web manifest with its media type', () => {
    const found = location('/manifest.webmanifest');
    expect(found.args).toEqual(['=', '/manifest.webmanifest']);
    expect(argsOf(found.block, 'default_type')).toEqual(['application/manifest+json']);
    expect(headersOf(found.block).get('Cache-Control')?.value).toBe('no-cache');
  });

  it.each(['/health', '/ready'])('answers the probe %s itself', (uri) => {
    const found = location(uri);
    expect(found.args).toEqual(['=', uri]);
    expect(argsOf(found.block, 'return')[0]).toBe('200');
  });

  it('sends the gateway’s security headers, exactly and on every answer, from every location that sets headers', () => {
    const expected = new Map(securityHeaderList().map(([name, value]) => [name, { value, always: true }]));
    expect(addedHeaders(securityHeaders)).toEqual(expected);
    for (const loc of directives(server, 'location')) {
      if (directives(loc.block, 'add_header').length === 0) continue;
      expect(
        directives(loc.block, 'include').map((d) => d.args[0]),
        loc.args.join(' '),
      ).toContain(securityHeadersFile);
    }
  });
});

describe('infra/web/compose-api-routes.conf (docker compose’s front door)', () => {
  const composeServer = withIncluded(server, { '/etc/nginx/cartwatch/routes.d/*.conf': composeRoutes });
  const composeLocations = directives(composeRoutes, 'location');
  const proxy = composeLocations.find((l) => directives(l.block, 'proxy_pass').length > 0);
  const refusal = composeLocations.find((l) => directives(l.block, 'proxy_pass').length === 0);
  const proxied = (uri: string) => locationFor(composeServer, uri) === proxy;
  const refused = (uri: string) => locationFor(composeServer, uri) === refusal;

  it('has one location that proxies to the gateway and one that refuses', () => {
    expect(composeLocations).toHaveLength(2);
    expect(proxy).toBeDefined();
    expect(refusal).toBeDefined();
  });

  it('is included by the image’s server, which Kubernetes leaves without routes', () => {
    expect(directives(server, 'include').map((d) => d.args[0])).toContain(
      '/etc/nginx/cartwatch/routes.d/*.conf',
    );
  });

  it.each(gatewayEdgePrefixes.filter((prefix) => prefix !== '/health'))(
    'sends %s and the paths under it to the gateway',
    (prefix) => {
      expect(proxied(prefix)).toBe(true);
      expect(proxied(`${prefix}/x`)).toBe(true);
      // `/storesx` is not under `/stores`; a nested prefix (/me/events) is its parent's either way.
      if (!apiPathPrefixes.some((parent) => prefix.startsWith(`${parent}/`)))
        expect(proxied(`${prefix}x`)).toBe(false);
    },
  );

  it.each(edgeDeniedPrefixes)('refuses %s and the paths under it with a JSON 404', (prefix) => {
    for (const uri of [`${prefix}/x`, ...(prefix === '/ready' ? [] : [prefix])]) {
      expect(refused(uri), uri).toBe(true);
      expect(proxied(uri), uri).toBe(false);
    }
    const [status, body] = argsOf(refusal?.block, 'return');
    expect(status).toBe('404');
    expect(JSON.parse(String(body).replace('$request_id', 'id'))).toEqual({
      error: { code: 'NOT_FOUND', message: 'not found', requestId: 'id' },
    });
    expect(argsOf(refusal?.block, 'default_type')).toEqual(['application/json']);
    // Exactly /ready is the web container's own static probe (nginx.conf), never the gateway's.
    expect(locationFor(composeServer, '/ready')?.args).toEqual(['=', '/ready']);
  });

  it('keeps the app, its files and the probes for the web container', () => {
    for (const uri of [
      '/',
      '/app',
      '/app/admin',
      '/sign-in',
      '/assets/index-x.js',
      '/sw.js',
      '/health',
      '/ready',
    ])
      expect(proxied(uri), uri).toBe(false);
  });

  it('proxies to the gateway with the client’s address, receipt-sized bodies and unbuffered event streams', () => {
    const block = proxy?.block;
    expect(argsOf(block, 'proxy_pass')).toEqual(['http://gateway:8080']);
    const headers = new Map(directives(block, 'proxy_set_header').map((d) => [d.args[0], d.args[1]]));
    expect(headers.get('X-Forwarded-For')).toBe('$proxy_add_x_forwarded_for');
    // Its value is the gateway's limit: test/body-limits.test.ts.
    expect(argsOf(block, 'client_max_body_size')).toHaveLength(1);
    expect(argsOf(block, 'proxy_buffering')).toEqual(['off']);
    expect(argsOf(block, 'proxy_read_timeout')).toEqual(['3600s']);
  });
});

/**
 * Body limits agree from the edge to the services (docs/deploy.md, "Body limits"): the largest body any
 * service accepts (its configured `BODY_LIMIT`, receipt-ingest's `CSV_MAX_BYTES`) is the gateway's
 * `PROXY_MAX_BODY_BYTES`, and the edge (the Ingress, compose's front nginx) lets exactly that through,
 * so an allowed upload is never cut by a proxy in front and a too-large one gets the gateway's 413.
 */
import { serviceNames } from '@cartwatch/common-types';
import { describe, expect, it } from 'vitest';
import {
  commonSection,
  documentedDefaults,
  effectiveSetting,
  expressSize,
  nginxSize,
  notRequestBodyLimits,
  requestBodyLimits,
  sizeLikeVariable,
} from '../src/body-limits.js';
import { composeEnvironment, containerEnvironment } from '../src/environment.js';
import { renderKustomization } from '../src/kustomize.js';
import { directives, parseNginx } from '../src/nginx.js';
import { findObject, isRecord, type KubeObject, loadYaml, readText, repoPath } from '../src/repo.js';

const configurationDoc = readText(repoPath('docs/configuration.md'));
const defaults = documentedDefaults(configurationDoc);

/** The largest request body each service accepts, and the gateway's proxy limit, in one environment. */
function limits(envOf: (service: string) => Record<string, string | undefined>) {
  const accepted = serviceNames.map((service) => {
    const env = envOf(service);
    const sizes = requestBodyLimits
      .filter((limit) => limit.section === service || limit.section === commonSection)
      .map((limit) => {
        const value = effectiveSetting(defaults, service, limit.variable, env);
        if (value === undefined) throw new Error(`${service}: ${limit.variable} has no value`);
        return limit.parse(value);
      });
    return { service, largest: Math.max(...sizes) };
  });
  const gatewayValue = effectiveSetting(defaults, 'gateway', 'PROXY_MAX_BODY_BYTES', envOf('gateway'));
  return { accepted, proxy: Number(gatewayValue) };
}

describe('size parsers', () => {
  it('reads nginx and express sizes as 1024-based byte counts, and refuses anything else', () => {
    expect(nginxSize('20m')).toBe(20 * 1024 * 1024);
    expect(nginxSize('12M')).toBe(12 * 1024 * 1024);
    expect(nginxSize('16k')).toBe(16 * 1024);
    expect(nginxSize('1000')).toBe(1000);
    expect(() => nginxSize('20mb')).toThrow(/not an nginx size/);
    expect(expressSize('1mb')).toBe(1024 * 1024);
    expect(expressSize('512kb')).toBe(512 * 1024);
    expect(expressSize('100')).toBe(100);
    expect(() => expressSize('1 megabyte')).toThrow(/not a body size/);
  });

  it('reads defaults from docs/configuration.md and refuses a variable a service does not read', () => {
    expect(effectiveSetting(defaults, 'gateway', 'BODY_LIMIT', {})).toBe('1mb');
    expect(effectiveSetting(defaults, 'gateway', 'BODY_LIMIT', { BODY_LIMIT: '2mb' })).toBe('2mb');
    expect(effectiveSetting(defaults, 'receipt-ingest', 'CSV_MAX_BYTES', {})).toBe('20971520');
    expect(() => effectiveSetting(defaults, 'coupon', 'CSV_MAX_BYTES', {})).toThrow(/does not read/);
  });
});

describe('the request body limits', () => {
  it('classify every size-like variable the services read', () => {
    const sizeLike = [...configurationDoc.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)]
      .map((m) => m[1] ?? '')
      .filter((variable) => sizeLikeVariable.test(variable));
    expect(sizeLike.length).toBeGreaterThan(2);
    const classified = [...requestBodyLimits.map((l) => l.variable), ...Object.keys(notRequestBodyLimits)];
    for (const variable of sizeLike) expect(classified, variable).toContain(variable);
  });
});

describe.each(['dev', 'prod'])('Kubernetes overlay %s', (overlay) => {
  const objects = renderKustomization(repoPath(`k8s/overlays/${overlay}`)).objects;
  const deployment = (name: string): KubeObject => findObject(objects, 'Deployment', name);
  const { accepted, proxy } = limits((service) =>
    containerEnvironment(deployment(service), service, objects, () => 'placeholder'),
  );

  it('lets the gateway proxy exactly the largest body a service accepts', () => {
    const largest = Math.max(...accepted.map((a) => a.largest));
    expect(largest).toBeGreaterThan(1024 * 1024);
    for (const { service, largest: own } of accepted)
      expect(own, `${service} accepts more than the gateway proxies`).toBeLessThanOrEqual(proxy);
    expect(proxy).toBe(largest);
  });

  it('lets the Ingress pass exactly what the gateway proxies', () => {
    const ingress = objects.find((o) => o.kind === 'Ingress' && o.metadata.name === 'cartwatch');
    const annotations = isRecord(ingress?.metadata.annotations) ? ingress.metadata.annotations : {};
    const size = annotations['nginx.ingress.kubernetes.io/proxy-body-size'];
    expect(typeof size).toBe('string');
    expect(nginxSize(String(size))).toBe(proxy);
  });
});

describe('docker compose', () => {
  const compose = loadYaml(repoPath('infra/docker-compose.yml')) as {
    services: Record<string, Record<string, unknown>>;
  };
  // An operator's infra/.env: the example's values, every blank one filled in.
  const variables = Object.fromEntries(
    [...readText(repoPath('infra/.env.example')).matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [
      m[1] ?? '',
      m[2] || 'placeholder',
    ]),
  );
  const { accepted, proxy } = limits((service) => {
    const definition = compose.services[service];
    if (!definition) throw new Error(`compose has no service ${service}`);
    return composeEnvironment(definition, variables);
  });

  it('lets the gateway proxy exactly the largest body a service accepts', () => {
    expect(proxy).toBe(Math.max(...accepted.map((a) => a.largest)));
  });

  it('lets the front nginx pass to the gateway exactly what the gateway proxies', () => {
    const routes = parseNginx(readText(repoPath('infra/web/compose-api-routes.conf')));
    const toGateway = directives(routes, 'location').filter((l) =>
      directives(l.block, 'proxy_pass').some((d) => d.args[0]?.startsWith('http://gateway:')),
    );
    expect(toGateway.length).toBeGreaterThan(0);
    for (const location of toGateway) {
      const [size] = directives(location.block, 'client_max_body_size').map((d) => d.args[0] ?? '');
      expect(size, location.args.join(' ')).toBeDefined();
      expect(nginxSize(size ?? '')).toBe(proxy);
    }
  });
});

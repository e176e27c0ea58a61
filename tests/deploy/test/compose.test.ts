// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the expected values are literal Dockerfile, compose and Actions interpolations.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { serviceNames, services } from '@cartwatch/common-types';
import { describe, expect, it } from 'vitest';
import { expectedBuildArgs, imageProblems } from '../src/policy.js';
import { isRecord, loadYaml, readText, repoPath, repoRoot } from '../src/repo.js';

type ComposeService = {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  volumes?: string[];
  restart?: string;
};

const composePath = repoPath('infra/docker-compose.yml');
const compose = loadYaml(composePath) as {
  name: string;
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const composeText = readText(composePath);
const infrastructure = ['postgres', 'nats', 'redis'];
const entries = Object.entries(compose.services);

/** Variables documented in docs/configuration.md (generated from the env schemas). */
const documentedVariables = new Set(
  [...readText(repoPath('docs/configuration.md')).matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]),
);

describe('infra/docker-compose.yml', () => {
  it('has only known top-level keys', () => {
    expect(Object.keys(compose).sort()).toEqual(['name', 'services', 'volumes']);
  });

  it('runs Postgres, NATS, Redis, a migration step per service, all seven services and the web app, nothing else', () => {
    const expected = [...infrastructure, ...serviceNames.map((n) => `migrate-${n}`), ...serviceNames, 'web'];
    expect(Object.keys(compose.services).sort()).toEqual(expected.sort());
  });

  it('pins every third-party image to a version', () => {
    for (const name of infrastructure) expect(imageProblems(compose.services[name]?.image)).toEqual([]);
  });

  it('starts NATS with JetStream on a volume', () => {
    const nats = compose.services.nats;
    expect(nats?.command).toContain('--jetstream');
    expect(nats?.volumes).toEqual(['nats-data:/data']);
  });

  it('gives every long-running container a health check', () => {
    for (const [name, service] of entries) {
      if (name.startsWith('migrate-')) continue;
      expect(service.healthcheck?.test[0], name).toMatch(/^CMD(-SHELL)?$/);
    }
  });

  it('checks the services through /ready on their management port', () => {
    for (const name of serviceNames) {
      const check = compose.services[name]?.healthcheck?.test.join(' ') ?? '';
      expect(check, name).toContain("process.env.MANAGEMENT_PORT+'/ready'");
      expect(compose.services[name]?.environment?.MANAGEMENT_PORT, name).toBe(
        String(services[name].managementPort),
      );
    }
  });

  it('refers only to services that exist, with conditions they can meet', () => {
    for (const [name, service] of entries) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const target = compose.services[dependency];
        expect(target, `${name} -> ${dependency}`).toBeDefined();
        if (condition === 'service_healthy')
          expect(target?.healthcheck, `${dependency} has no health check`).toBeDefined();
        else expect(condition).toBe('service_completed_successfully');
        if (condition === 'service_completed_successfully') expect(dependency).toMatch(/^migrate-/);
      }
    }
  });

  it.each(serviceNames)(
    'builds %s from infra/Dockerfile and starts it after its migrations and the infrastructure',
    (name) => {
      for (const key of [name, `migrate-${name}`]) {
        const service = compose.services[key];
        const context = resolve(repoPath('infra'), service?.build?.context ?? '');
        expect(context).toBe(repoRoot);
        expect(existsSync(resolve(context, service?.build?.dockerfile ?? 'missing'))).toBe(true);
        expect(service?.build?.args).toEqual(expectedBuildArgs(name, services[name].port));
        expect(service?.image).toBe(`cartwatch/${name}:\${CARTWATCH_TAG:-local}`);
      }
      expect(compose.services[`migrate-${name}`]?.command).toEqual(['dist/migrate.js', 'latest']);
      expect(compose.services[`migrate-${name}`]?.depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
      });
      expect(compose.services[name]?.depends_on).toMatchObject({
        [`migrate-${name}`]: { condition: 'service_completed_successfully' },
        postgres: { condition: 'service_healthy' },
        nats: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
    },
  );

  it.each(serviceNames)('configures %s only with documented variables', (name) => {
    const environment = compose.services[name]?.environment ?? {};
    for (const variable of ['SERVICE_KEY', 'DATABASE_URL', 'NATS_URL', 'REDIS_URL', 'PORT']) {
      expect(environment[variable], variable).toBeDefined();
    }
    for (const variable of Object.keys(environment))
      expect(documentedVariables, variable).toContain(variable);
    expect(environment.NATS_URL).toBe('nats://nats:4222');
    expect(environment.REDIS_URL).toBe('redis://redis:6379');
    expect(environment.DATABASE_URL).toMatch(/@postgres:5432\/cartwatch$/);
  });

  it('sends the gateway to every service by its compose name and waits for them to be healthy', () => {
    const gateway = compose.services.gateway;
    for (const name of serviceNames.filter((n) => n !== 'gateway')) {
      expect(gateway?.environment?.[services[name].urlEnv]).toBe(`http://${name}:${services[name].port}`);
      expect(gateway?.depends_on?.[name]).toEqual({ condition: 'service_healthy' });
    }
  });

  it('publishes only the web app, the front door, and trusts its one proxy hop at the gateway', () => {
    const published = entries.filter(([, s]) => s.ports !== undefined).map(([n]) => n);
    expect(published).toEqual(['web']);
    expect(compose.services.web?.ports).toEqual(['${WEB_PORT:-8080}:8080']);
    expect(compose.services.gateway?.environment?.TRUST_PROXY).toBe('1');
  });

  it('builds the web app from the Dockerfile’s web target and gives it the API routes to the gateway', () => {
    const web = compose.services.web;
    expect(resolve(repoPath('infra'), web?.build?.context ?? '')).toBe(repoRoot);
    expect(web?.build).toMatchObject({ dockerfile: 'infra/Dockerfile', target: 'web' });
    expect(web?.build?.args).toBeUndefined();
    expect(web?.image).toBe('cartwatch/web:${CARTWATCH_TAG:-local}');
    expect(web?.volumes).toEqual(['./web/compose-api-routes.conf:/etc/nginx/cartwatch/routes.d/api.conf:ro']);
    expect(existsSync(repoPath('infra/web/compose-api-routes.conf'))).toBe(true);
    expect(web?.depends_on).toEqual({ gateway: { condition: 'service_healthy' } });
    expect(web?.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:8080/health');
  });

  it('runs the services and the web app with a read-only root filesystem and no capabilities', () => {
    for (const name of [...serviceNames, 'web']) {
      expect(compose.services[name]).toMatchObject({
        read_only: true,
        cap_drop: ['ALL'],
        security_opt: ['no-new-privileges:true'],
      });
    }
  });

  it('declares every named volume it mounts', () => {
    for (const [, service] of entries) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (!source.startsWith('.') && !source.startsWith('/'))
          expect(Object.keys(compose.volumes)).toContain(source);
      }
    }
  });

  it('documents every required variable in infra/.env.example, and commits no values for secrets', () => {
    const example = readText(repoPath('infra/.env.example'));
    const exampleVars = new Map(
      [...example.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? ''] as const),
    );
    const referenced = new Set([...composeText.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1] ?? ''));
    for (const variable of referenced) expect(exampleVars.has(variable), variable).toBe(true);
    for (const variable of exampleVars.keys())
      expect(referenced.has(variable), `${variable} unused`).toBe(true);
    expect(exampleVars.get('SERVICE_KEY')).toBe('');
    expect(exampleVars.get('POSTGRES_PASSWORD')).toBe('');
    // Required secrets fail fast when unset instead of starting with an empty value.
    expect(composeText).toContain('${SERVICE_KEY:?');
    expect(composeText).toContain('${POSTGRES_PASSWORD:?');
  });

  it('keeps the environment file itself out of git', () => {
    expect(readText(repoPath('.gitignore')).split('\n')).toContain('.env');
    expect(isRecord(compose.volumes)).toBe(true);
  });
});

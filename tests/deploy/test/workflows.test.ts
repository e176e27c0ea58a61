// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the expected values are literal Dockerfile, compose and Actions interpolations.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceNames, services } from '@cartwatch/common-types';
import { afterAll, describe, expect, it } from 'vitest';
import { renderKustomization } from '../src/kustomize.js';
import { browserServices } from '../src/policy.js';
import { isRecord, loadYaml, readText, repoPath } from '../src/repo.js';

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; id?: string };
type Job = {
  'runs-on': string;
  steps: Step[];
  services?: Record<string, { image: string }>;
  strategy?: { matrix: Record<string, unknown> };
  env?: Record<string, string>;
};
type Workflow = {
  name: string;
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
};

const workflowDir = repoPath('.github/workflows');
const workflowFiles = readdirSync(workflowDir).filter((f) => /\.ya?ml$/.test(f));
const workflows = new Map(workflowFiles.map((f) => [f, loadYaml(join(workflowDir, f)) as Workflow]));
const workflow = (file: string): Workflow => {
  const found = workflows.get(file);
  if (!found) throw new Error(`.github/workflows/${file} missing`);
  return found;
};
const steps = (file: string) => Object.values(workflow(file).jobs).flatMap((job) => job.steps);
const overlays = readdirSync(repoPath('k8s/overlays'));

describe('GitHub workflows', () => {
  it('are ci, images, deploy and manifests', () => {
    expect(workflowFiles.sort()).toEqual(['ci.yml', 'deploy.yml', 'images.yml', 'manifests.yml']);
  });

  it.each(workflowFiles)(
    '%s is well-formed: triggers, least-privilege permissions, jobs with steps',
    (file) => {
      const wf = workflow(file);
      expect(typeof wf.name).toBe('string');
      expect(isRecord(wf.on)).toBe(true);
      expect(isRecord(wf.permissions), 'explicit permissions').toBe(true);
      expect(Object.keys(wf.jobs).length).toBeGreaterThan(0);
      for (const [id, job] of Object.entries(wf.jobs)) {
        expect(job['runs-on'], id).toMatch(/^ubuntu-\d+\.\d+$/);
        expect(job.steps.length, id).toBeGreaterThan(0);
        for (const step of job.steps) {
          expect(Boolean(step.uses) !== Boolean(step.run), `${id}: a step has exactly one of uses/run`).toBe(
            true,
          );
          if (step.uses)
            expect(step.uses, 'actions pinned to a major version or commit').toMatch(
              /^[\w.-]+\/[\w./-]+@(v\d+|[0-9a-f]{40})$/,
            );
        }
      }
    },
  );

  it.each(workflowFiles)('%s refers only to files that exist', (file) => {
    const text = readText(join(workflowDir, file));
    const paths = [
      ...text.matchAll(/(?<![\w/.-])((?:infra|k8s|scripts|tests|\.ci)\/[\w./-]*[\w-]|\.nvmrc)/g),
    ].map((m) => m[1] ?? '');
    for (const path of paths) {
      if (path === 'k8s/overlays' || path.endsWith('/')) continue;
      expect(existsSync(repoPath(path)), path).toBe(true);
    }
  });

  it('ci installs, lints, type-checks and tests against Postgres, NATS with JetStream and Redis', () => {
    const job = workflow('ci.yml').jobs.test;
    expect(Object.keys(job?.services ?? {}).sort()).toEqual(['postgres', 'redis']);
    const runs = (job?.steps ?? []).map((s) => s.run ?? '');
    expect(runs.some((r) => /docker run .*nats:[\d.]+-alpine --jetstream/.test(r))).toBe(true);
    for (const command of ['pnpm install --frozen-lockfile', 'pnpm lint', 'pnpm check-types', 'pnpm test']) {
      expect(runs, command).toContain(command);
    }
    expect(job?.env).toMatchObject({
      DATABASE_URL: expect.stringContaining('127.0.0.1:5432'),
      NATS_URL: 'nats://127.0.0.1:4222',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
  });

  it('images builds every service from infra/Dockerfile with sha and version tags', () => {
    const wf = workflow('images.yml');
    const job = wf.jobs.build;
    const include = job?.strategy?.matrix.include as Array<{
      service: string;
      port?: number;
      browser?: string;
      target?: string;
    }>;
    expect(include.map((e) => e.service).sort()).toEqual([...serviceNames, 'web'].sort());
    for (const entry of include) {
      if (entry.service === 'web') {
        // The web app's image: the Dockerfile's web target, which takes no build args.
        expect(entry).toEqual({ service: 'web', target: 'web' });
        continue;
      }
      expect(entry.port).toBe(services[entry.service as keyof typeof services].port);
      expect(entry.browser).toBe(browserServices.includes(entry.service) ? 'chromium' : undefined);
      expect(entry.target).toBeUndefined();
    }
    const build = steps('images.yml').find((s) => s.uses?.startsWith('docker/build-push-action@'));
    expect(build?.with).toMatchObject({
      context: '.',
      file: 'infra/Dockerfile',
      target: "${{ matrix.target || 'runtime' }}",
      push: true,
    });
    expect(String(build?.with?.['build-args'])).toContain('SERVICE=${{ matrix.service }}');
    expect(String(build?.with?.['build-args'])).toContain('PORT=${{ matrix.port }}');
    expect(String(build?.with?.['build-args'])).toContain("BROWSER=${{ matrix.browser || 'none' }}");
    const meta = steps('images.yml').find((s) => s.uses?.startsWith('docker/metadata-action@'));
    expect(meta?.with?.images).toBe('ghcr.io/cartwatch/${{ matrix.service }}');
    const tags = String(meta?.with?.tags);
    expect(tags).toContain('type=sha');
    expect(tags).toContain('type=semver,pattern={{version}}');
    expect(wf.permissions).toEqual({ contents: 'read', packages: 'write' });
  });

  it('images pushes the names the overlays deploy', () => {
    for (const overlay of overlays) {
      const kustomization = loadYaml(repoPath('k8s/overlays', overlay, 'kustomization.yaml')) as {
        images: { name: string }[];
      };
      expect(kustomization.images.map((i) => i.name).sort()).toEqual(
        [...serviceNames, 'web'].map((n) => `ghcr.io/cartwatch/${n}`).sort(),
      );
    }
  });

  it('deploy offers exactly the overlays that exist and validates before pushing', () => {
    const wf = workflow('deploy.yml');
    const inputs = (wf.on.workflow_dispatch as { inputs: Record<string, { options?: string[] }> }).inputs;
    expect(inputs.environment?.options?.sort()).toEqual([...overlays].sort());
    expect(wf.on.workflow_run).toMatchObject({ workflows: ['images'], types: ['completed'] });
    const runs = steps('deploy.yml').map((s) => s.run ?? '');
    const setTag = runs.findIndex((r) => r.includes('scripts/set-image-tag.ts'));
    const validate = runs.findIndex((r) => r.includes('--filter=@cartwatch/deploy-tests'));
    const push = runs.findIndex((r) => r.includes('git push'));
    expect(setTag).toBeGreaterThanOrEqual(0);
    expect(setTag).toBeLessThan(validate);
    expect(validate).toBeLessThan(push);
  });

  it('manifests validates every rendered directory with kubeconform in strict mode', () => {
    const job = workflow('manifests.yml').jobs.kubeconform;
    const paths = job?.strategy?.matrix.path as string[];
    expect(paths.sort()).toEqual(
      [
        'k8s/infrastructure',
        ...overlays.map((o) => `k8s/overlays/${o}`),
        ...overlays.map((o) => `k8s/clusters/${o}`),
      ].sort(),
    );
    expect(job?.steps.map((s) => s.run ?? '').join('\n')).toContain('kubeconform -strict');
  });
});

describe('scripts/set-image-tag.ts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cartwatch-overlay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const tsx = repoPath('node_modules/.bin/tsx');

  it('moves every service image of an overlay to the tag and keeps the file renderable with its comments', () => {
    const overlay = join(dir, 'overlays/dev');
    cpSync(repoPath('k8s/overlays/dev'), overlay, { recursive: true });
    cpSync(repoPath('k8s/base'), join(dir, 'base'), { recursive: true });
    execFileSync(tsx, [repoPath('scripts/set-image-tag.ts'), overlay, 'sha-0123abc'], { stdio: 'pipe' });
    const text = readText(join(overlay, 'kustomization.yaml'));
    expect(text.startsWith('# CartWatch apps for the dev cluster.')).toBe(true);
    const images = renderKustomization(overlay)
      .objects.filter((o) => o.kind === 'Deployment')
      .flatMap((o) => JSON.stringify(o).match(/ghcr\.io\/cartwatch\/[\w-]+:[\w.-]+/g) ?? []);
    // Each service's container and its migrate init container, and the web app's container.
    expect(images.length).toBe(serviceNames.length * 2 + 1);
    expect(images.every((image) => image.endsWith(':sha-0123abc'))).toBe(true);
  });

  it('refuses the latest tag', () => {
    expect(() =>
      execFileSync(tsx, [repoPath('scripts/set-image-tag.ts'), repoPath('k8s/overlays/dev'), 'latest'], {
        stdio: 'pipe',
      }),
    ).toThrow(/not a usable image tag/);
  });
});

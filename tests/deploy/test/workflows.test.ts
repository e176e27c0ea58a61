// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the expected values are literal Dockerfile, compose and Actions interpolations.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceNames, services } from '@cartwatch/common-types';
import { afterAll, describe, expect, it } from 'vitest';
import { renderKustomization } from '../src/kustomize.js';
import { browserServices } from '../src/policy.js';
import { isRecord, loadYaml, readText, repoPath, repoRoot } from '../src/repo.js';

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; id?: string };
type Job = {
  'runs-on': string;
  steps: Step[];
  services?: Record<string, { image: string }>;
  strategy?: { matrix: Record<string, unknown> };
  env?: Record<string, string>;
  uses?: string;
  needs?: string | string[];
  if?: string;
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
        // A job calling a reusable workflow has no runner or steps of its own.
        if (job.uses !== undefined) {
          expect(job.uses, id).toMatch(/^\.\/\.github\/workflows\/[\w-]+\.yml$/);
          continue;
        }
        expect(job['runs-on'], id).toMatch(/^ubuntu-\d+\.\d+$/);
        expect(job.steps.length, id).toBeGreaterThan(0);
        for (const step of job.steps) {
          expect(Boolean(step.uses) !== Boolean(step.run), `${id}: a step has exactly one of uses/run`).toBe(
            true,
          );
          if (step.uses)
            expect(step.uses, 'actions pinned to a full commit SHA').toMatch(
              /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/,
            );
        }
      }
    },
  );

  it.each(workflowFiles)(
    '%s pins every action to a commit SHA with the version it is in a comment, one version per action',
    (file) => {
      const lines = readText(join(workflowDir, file))
        .split('\n')
        .filter((line) => /^\s*(- )?uses: (?!\.\/)/.test(line));
      expect(lines.length).toBeGreaterThan(0);
      const versions = new Map<string, string>();
      for (const line of lines) {
        const match = /uses: ([\w.-]+\/[\w./-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(line);
        expect(match, line.trim()).not.toBeNull();
        const [, action = '', sha = '', version = ''] = match ?? [];
        // The same action at one commit everywhere it is used (a version comment that lies shows here).
        expect(versions.get(action) ?? `${sha} ${version}`, action).toBe(`${sha} ${version}`);
        versions.set(action, `${sha} ${version}`);
      }
    },
  );

  it('pins each action at the same commit in every workflow', () => {
    const pins = new Map<string, Set<string>>();
    for (const file of workflowFiles)
      for (const match of readText(join(workflowDir, file)).matchAll(/uses: ([\w.-]+\/[\w./-]+)@(\S+)/g)) {
        const set = pins.get(match[1] ?? '') ?? new Set<string>();
        set.add(match[2] ?? '');
        pins.set(match[1] ?? '', set);
      }
    for (const [action, shas] of pins) expect([...shas], action).toHaveLength(1);
  });

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
    // The repository owner's registry namespace, so a fork pushes (and deploys) its own images.
    expect(meta?.with?.images).toBe('ghcr.io/${{ github.repository_owner }}/${{ matrix.service }}');
    const tags = String(meta?.with?.tags);
    expect(tags).toContain('type=sha,prefix=sha-,format=short');
    expect(tags).toContain('type=semver,pattern={{version}}');
    expect(wf.permissions).toEqual({ contents: 'read', packages: 'write' });
  });

  it('never tags latest: no latest flavor on releases, no latest tag anywhere', () => {
    const meta = steps('images.yml').find((s) => s.uses?.startsWith('docker/metadata-action@'));
    // metadata-action adds `latest` to semver releases unless the flavor turns it off.
    expect(
      String(meta?.with?.flavor)
        .split('\n')
        .map((l) => l.trim()),
    ).toContain('latest=false');
    for (const file of workflowFiles)
      expect(readText(join(workflowDir, file)), file).not.toMatch(/value=latest|:latest\b/);
  });

  it('hard-codes no image repository: images and deploy name it from the repository owner', () => {
    for (const file of workflowFiles)
      expect(readText(join(workflowDir, file)), file).not.toContain('ghcr.io/cartwatch');
    const deploy = readText(join(workflowDir, 'deploy.yml'));
    expect(deploy).toContain('ghcr.io/${{ github.repository_owner }}');
  });

  it('builds images only after CI passed on that commit: images runs as a job of ci, after the tests, on pushes', () => {
    const images = workflow('images.yml');
    // A reusable workflow only: nothing else (a push, a dispatch) can start a build.
    expect(Object.keys(images.on)).toEqual(['workflow_call']);
    const ci = workflow('ci.yml');
    const callers = Object.entries(ci.jobs).filter(
      ([, job]) => job.uses === './.github/workflows/images.yml',
    );
    expect(callers).toHaveLength(1);
    const [, caller] = callers[0] ?? [];
    expect([caller?.needs].flat()).toContain('test');
    expect(caller?.if).toBe("github.event_name == 'push'");
    expect(ci.on.push).toEqual({ branches: ['main'], tags: ['v*.*.*'] });
  });

  it('images pushes every name the overlays deploy', () => {
    for (const overlay of overlays) {
      const kustomization = loadYaml(repoPath('k8s/overlays', overlay, 'kustomization.yaml')) as {
        images: { name: string }[];
      };
      expect(kustomization.images.map((i) => i.name).sort()).toEqual(
        [...serviceNames, 'web'].map((n) => `ghcr.io/cartwatch/${n}`).sort(),
      );
    }
  });

  it.each(overlays)(
    'overlay %s deploys images a workflow built: sha-<commit of this history> or the version of a v* git tag',
    (overlay) => {
      const git = (...args: string[]) => spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' });
      // CI and the deploy workflow check out the whole history (fetch-depth: 0) for this.
      expect(git('rev-parse', '--is-shallow-repository').stdout.trim(), 'a shallow clone').toBe('false');
      const kustomization = loadYaml(repoPath('k8s/overlays', overlay, 'kustomization.yaml')) as {
        images: { name: string; newName?: string; newTag?: string; digest?: string }[];
      };
      const owners = new Set<string>();
      for (const image of kustomization.images) {
        const service = image.name.split('/').pop() ?? '';
        const repository = image.newName ?? image.name;
        const match = /^ghcr\.io\/([a-z0-9-]+)\/([a-z-]+)$/.exec(repository);
        expect(match?.[2], repository).toBe(service);
        owners.add(match?.[1] ?? '');
        // A digest (written by deploy.yml) always comes with the tag it was read for.
        if (image.digest !== undefined) {
          expect(image.digest, repository).toMatch(/^sha256:[0-9a-f]{64}$/);
          expect(image.newTag, repository).toBeDefined();
        }
        const tag = image.newTag ?? '';
        const sha = /^sha-([0-9a-f]{7})$/.exec(tag)?.[1];
        const version = /^(\d+\.\d+\.\d+)$/.exec(tag)?.[1];
        if (sha) {
          // images tags a commit on main (or a release tag) once its CI passed.
          expect(git('merge-base', '--is-ancestor', sha, 'HEAD').status, `${tag}: not in this history`).toBe(
            0,
          );
        } else {
          expect(version, `${image.name}: ${tag} is neither sha-<7 hex> nor a version`).toBeDefined();
          expect(
            git('rev-parse', '-q', '--verify', `refs/tags/v${version}`).status,
            `no git tag v${version}`,
          ).toBe(0);
        }
      }
      expect(owners.size, 'one registry namespace').toBe(1);
    },
  );

  it('deploys the commit that was built, never whatever main is by then', () => {
    const wf = workflow('deploy.yml');
    // ci's conclusion covers its images job: success means the tests passed and the images were pushed.
    expect(wf.on.workflow_run).toEqual({ workflows: ['ci'], types: ['completed'], branches: ['main'] });
    const job = Object.values(wf.jobs)[0] as Job;
    expect(job.if).toContain("github.event.workflow_run.conclusion == 'success'");
    expect(job.if).toContain("github.event.workflow_run.event == 'push'");
    const checkout = job.steps.find((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with?.ref).toBe('${{ github.event.workflow_run.head_sha || github.sha }}');
    expect(checkout?.with?.['fetch-depth']).toBe(0);
    const text = readText(join(workflowDir, 'deploy.yml'));
    expect(text).not.toMatch(/ref: main\b/);
    // The tag of the built commit, and a push that only fast-forwards from it.
    expect(job.env?.HEAD_SHA).toBe('${{ github.event.workflow_run.head_sha }}');
    const runs = job.steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('sha-${HEAD_SHA:0:7}');
    expect(runs).not.toMatch(/git push .*--force|git push -f/);
  });

  it('deploys only tags whose images exist, every one of them, pinned by the digest the registry reports', () => {
    const runs = steps('deploy.yml').map((s) => s.run ?? '');
    const inspect = runs.findIndex((r) => r.includes('docker buildx imagetools inspect'));
    const names = /for name in ([\w -]+); do/.exec(runs[inspect] ?? '')?.[1]?.split(' ');
    expect(names?.sort()).toEqual([...serviceNames, 'web'].sort());
    expect(runs[inspect]).toContain("--format '{{json .Manifest}}' | jq -r .digest");
    expect(runs[inspect]).toContain('--digest ${name}=${digest}');
    const setTag = runs.findIndex((r) => r.includes('scripts/set-image-tag.ts'));
    expect(runs[setTag]).toMatch(/ \$DIGEST_ARGS$/m);
    const push = runs.findIndex((r) => r.includes('git push'));
    expect(inspect).toBeGreaterThanOrEqual(0);
    expect(inspect).toBeLessThan(setTag);
    expect(inspect).toBeLessThan(push);
  });

  it('deploy offers exactly the overlays that exist and validates before pushing', () => {
    const wf = workflow('deploy.yml');
    const inputs = (wf.on.workflow_dispatch as { inputs: Record<string, { options?: string[] }> }).inputs;
    expect(inputs.environment?.options?.sort()).toEqual([...overlays].sort());
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
        ...overlays.flatMap((o) => [
          `k8s/infrastructure/${o}/controllers`,
          `k8s/infrastructure/${o}/configs`,
        ]),
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

  it('points the images at the registry namespace it is given, lower-cased (a fork’s own)', () => {
    const overlay = join(dir, 'fork/overlays/dev');
    cpSync(repoPath('k8s/overlays/dev'), overlay, { recursive: true });
    cpSync(repoPath('k8s/base'), join(dir, 'fork/base'), { recursive: true });
    execFileSync(tsx, [repoPath('scripts/set-image-tag.ts'), overlay, '1.2.3', 'ghcr.io/Some-Fork'], {
      stdio: 'pipe',
    });
    const images = renderKustomization(overlay)
      .objects.filter((o) => o.kind === 'Deployment')
      .flatMap((o) => JSON.stringify(o).match(/ghcr\.io\/[\w-]+\/[\w-]+:[\w.-]+/g) ?? []);
    expect(new Set(images)).toEqual(
      new Set([...serviceNames, 'web'].map((name) => `ghcr.io/some-fork/${name}:1.2.3`)),
    );
  });

  it('pins every image to its digest when given one for each, keeping the tag: kustomize renders name:tag@digest', () => {
    const overlay = join(dir, 'pinned/overlays/dev');
    cpSync(repoPath('k8s/overlays/dev'), overlay, { recursive: true });
    cpSync(repoPath('k8s/base'), join(dir, 'pinned/base'), { recursive: true });
    const names = [...serviceNames, 'web'];
    const digestOf = (name: string) => `sha256:${createHash('sha256').update(name).digest('hex')}`;
    execFileSync(
      tsx,
      [
        repoPath('scripts/set-image-tag.ts'),
        overlay,
        'sha-0123abc',
        'ghcr.io/some-fork',
        ...names.flatMap((name) => ['--digest', `${name}=${digestOf(name)}`]),
      ],
      { stdio: 'pipe' },
    );
    const images = renderKustomization(overlay)
      .objects.filter((o) => o.kind === 'Deployment')
      .flatMap((o) => JSON.stringify(o).match(/ghcr\.io\/[\w-]+\/[\w-]+:[\w.-]+@sha256:[0-9a-f]{64}/g) ?? []);
    expect(new Set(images)).toEqual(
      new Set(names.map((name) => `ghcr.io/some-fork/${name}:sha-0123abc@${digestOf(name)}`)),
    );
    // A later deploy without digests drops them rather than leave a digest of another tag behind.
    execFileSync(tsx, [repoPath('scripts/set-image-tag.ts'), overlay, 'sha-4567def'], { stdio: 'pipe' });
    expect(readText(join(overlay, 'kustomization.yaml'))).not.toContain('digest:');
  });

  it('refuses a digest for only some images, an unknown image or a malformed digest', () => {
    const script = repoPath('scripts/set-image-tag.ts');
    const overlay = join(dir, 'refuse/overlays/dev');
    cpSync(repoPath('k8s/overlays/dev'), overlay, { recursive: true });
    const before = readText(join(overlay, 'kustomization.yaml'));
    const digest = `sha256:${'a'.repeat(64)}`;
    for (const [args, message] of [
      [['--digest', `gateway=${digest}`], /no --digest for receipt-ingest/],
      [['--digest', 'gateway=sha256:abc'], /--digest needs <name>=sha256:<64 hex>/],
    ] as const) {
      expect(() => execFileSync(tsx, [script, overlay, 'sha-0123abc', ...args], { stdio: 'pipe' })).toThrow(
        message,
      );
    }
    const all = [...serviceNames, 'web', 'nosuch'].flatMap((n) => ['--digest', `${n}=${digest}`]);
    expect(() => execFileSync(tsx, [script, overlay, 'sha-0123abc', ...all], { stdio: 'pipe' })).toThrow(
      /the overlay does not have: nosuch/,
    );
    // Refused means nothing written.
    expect(readText(join(overlay, 'kustomization.yaml'))).toBe(before);
  });

  it('sets prod’s images only with their digests', () => {
    const overlay = join(dir, 'bytag/overlays/prod');
    cpSync(repoPath('k8s/overlays/prod'), overlay, { recursive: true });
    const before = readText(join(overlay, 'kustomization.yaml'));
    expect(() =>
      execFileSync(tsx, [repoPath('scripts/set-image-tag.ts'), overlay, 'sha-0123abc'], { stdio: 'pipe' }),
    ).toThrow(/deployed by digest/);
    expect(readText(join(overlay, 'kustomization.yaml'))).toBe(before);
  });

  it('refuses the latest tag', () => {
    expect(() =>
      execFileSync(tsx, [repoPath('scripts/set-image-tag.ts'), repoPath('k8s/overlays/dev'), 'latest'], {
        stdio: 'pipe',
      }),
    ).toThrow(/not a usable image tag/);
  });
});

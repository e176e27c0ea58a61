// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the expected values are literal Dockerfile, compose and Actions interpolations.
import { existsSync } from 'node:fs';
import { serviceNames } from '@cartwatch/common-types';
import { describe, expect, it } from 'vitest';
import { execForm, parseDockerfile } from '../src/dockerfile.js';
import { loadYaml, readText, repoPath } from '../src/repo.js';

const dockerfile = parseDockerfile(readText(repoPath('infra/Dockerfile')));
const [build, runtime] = dockerfile.stages;
const all = (keyword: string, stage = runtime) =>
  stage?.instructions.filter((i) => i.keyword === keyword) ?? [];
const last = (keyword: string) => all(keyword).at(-1);

describe('infra/Dockerfile', () => {
  it('parses into a build stage and a runtime stage, both on pinned Node 22 slim', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    const nodeVersion = dockerfile.globalArgs.find((a) => a.args.startsWith('NODE_VERSION='));
    expect(nodeVersion?.args).toMatch(/^NODE_VERSION=22\.\d+\.\d+$/);
    for (const stage of dockerfile.stages) expect(stage.from).toBe('node:${NODE_VERSION}-bookworm-slim');
  });

  it('builds any service from one file through the SERVICE build arg, with pnpm deploy for a production tree', () => {
    expect(all('ARG', build).map((a) => a.args)).toContain('SERVICE');
    const runs = all('RUN', build).map((r) => r.args);
    expect(
      runs.some((r) => r.includes('pnpm install --frozen-lockfile --filter "@cartwatch/${SERVICE}..."')),
    ).toBe(true);
    expect(runs.some((r) => r.includes('turbo run build --filter "@cartwatch/${SERVICE}..."'))).toBe(true);
    expect(runs.some((r) => /pnpm --filter "@cartwatch\/\$\{SERVICE\}" deploy --prod .*\/out/.test(r))).toBe(
      true,
    );
    // The runtime stage takes only the deployed tree from the build stage.
    expect(all('COPY').map((c) => c.args)).toEqual(['--from=build /out /app']);
  });

  it('runs as a numeric non-root user', () => {
    expect(last('USER')?.args).toMatch(/^[1-9]\d*:[1-9]\d*$/);
  });

  it('installs Debian Chromium only when built with BROWSER=chromium, and points CHROMIUM_PATH at it', () => {
    const args = all('ARG').map((a) => a.args);
    expect(args).toContain('BROWSER=none');
    const install = all('RUN').find((r) => /apt-get install .*\btini\b/.test(r.args));
    expect(install?.args).toMatch(/if \[ "\$BROWSER" = chromium \]; then echo chromium/);
    expect(all('ENV').some((e) => /CHROMIUM_PATH=\/usr\/bin\/chromium/.test(e.args))).toBe(true);
  });

  it('runs node under tini so signals reach the service and zombies are reaped', () => {
    const installsTini = all('RUN').some((r) => /apt-get install .*\btini\b/.test(r.args));
    expect(installsTini).toBe(true);
    expect(execForm(last('ENTRYPOINT')?.args ?? '')).toEqual(['/usr/bin/tini', '--', 'node']);
    expect(execForm(last('CMD')?.args ?? '')).toEqual(['dist/main.js']);
    expect(last('STOPSIGNAL')?.args).toBe('SIGTERM');
  });

  it('has a health check against /health on the service port', () => {
    const healthcheck = last('HEALTHCHECK')?.args ?? '';
    expect(healthcheck).toMatch(/--interval=\d+s/);
    const command = execForm(healthcheck.replace(/^(--\S+\s+)*CMD\s+/, ''));
    expect(command?.[0]).toBe('node');
    expect(command?.join(' ')).toContain("process.env.PORT+'/health'");
  });

  it('can run a migration as a one-off command (dist/migrate.js exists in every service build)', () => {
    expect(all('RUN', build).some((r) => r.args.includes('test -f /out/dist/migrate.js'))).toBe(true);
    for (const name of serviceNames) {
      expect(existsSync(repoPath('services', name, 'src/migrate.ts')), name).toBe(true);
      expect(existsSync(repoPath('services', name, 'src/main.ts')), name).toBe(true);
    }
  });

  it('sets NODE_ENV=production and the PORT from a required build arg', () => {
    const env = all('ENV')
      .map((e) => e.args)
      .join(' ');
    expect(env).toContain('NODE_ENV=production');
    expect(env).toContain('PORT=${PORT}');
    expect(all('RUN').some((r) => r.args.startsWith('test -n "$PORT"'))).toBe(true);
  });

  it('keeps dependencies and build outputs out of the build context', () => {
    const ignored = readText(repoPath('.dockerignore')).split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.git', '.env']) expect(ignored).toContain(entry);
  });

  it('is a file that every workspace service can be built with (each has build and start scripts)', () => {
    for (const name of serviceNames) {
      const pkg = JSON.parse(readText(repoPath('services', name, 'package.json'))) as {
        name: string;
        scripts: Record<string, string>;
      };
      expect(pkg.name).toBe(`@cartwatch/${name}`);
      expect(pkg.scripts.build, name).toBeDefined();
    }
    expect(loadYaml(repoPath('pnpm-workspace.yaml'))).toMatchObject({
      packages: expect.arrayContaining(['services/*']),
    });
  });
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the expected values are literal Dockerfile, compose and Actions interpolations.
import { existsSync } from 'node:fs';
import { serviceNames, serviceProcessEnv } from '@cartwatch/common-types';
import { describe, expect, it } from 'vitest';
import { execForm, parseDockerfile, stageEnvironment } from '../src/dockerfile.js';
import { loadYaml, readText, repoPath } from '../src/repo.js';

const dockerfile = parseDockerfile(readText(repoPath('infra/Dockerfile')));
const stage = (name: string) => {
  const found = dockerfile.stages.find((s) => s.name === name);
  if (!found) throw new Error(`infra/Dockerfile has no stage ${name}`);
  return found;
};
const [build, runtime, webBuild, web] = ['build', 'runtime', 'web-build', 'web'].map(stage);
const all = (keyword: string, stage = runtime) =>
  stage?.instructions.filter((i) => i.keyword === keyword) ?? [];
const last = (keyword: string, stage = runtime) => all(keyword, stage).at(-1);

describe('infra/Dockerfile', () => {
  it("has the web app stages first and the services' build and runtime last, runtime being the default target", () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['web-build', 'web', 'build', 'runtime']);
    expect(dockerfile.stages.at(-1)).toBe(runtime);
  });

  it('builds on pinned images: Node 22 slim for the Node stages, nginx-unprivileged for the web app', () => {
    const nodeVersion = dockerfile.globalArgs.find((a) => a.args.startsWith('NODE_VERSION='));
    expect(nodeVersion?.args).toMatch(/^NODE_VERSION=22\.\d+\.\d+$/);
    for (const node of [webBuild, build, runtime])
      expect(node?.from).toBe('node:${NODE_VERSION}-bookworm-slim');
    const nginxVersion = dockerfile.globalArgs.find((a) => a.args.startsWith('NGINX_VERSION='));
    expect(nginxVersion?.args).toMatch(/^NGINX_VERSION=\d+\.\d+\.\d+-alpine$/);
    expect(web?.from).toBe('nginxinc/nginx-unprivileged:${NGINX_VERSION}');
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
    expect(build?.instructions.some((i) => i.args.includes('web'))).toBe(false);
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

  it('starts every service with the process settings `pnpm start` uses (serviceProcessEnv)', () => {
    const env = stageEnvironment(dockerfile, 'runtime', { PORT: '8080' });
    for (const [name, value] of Object.entries(serviceProcessEnv)) expect(env[name], name).toBe(value);
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

describe('infra/Dockerfile, target web (the web app for the Ingress)', () => {
  it('builds the PWA from its workspace slice with turbo and drops the source maps', () => {
    const runs = all('RUN', webBuild).map((r) => r.args);
    expect(runs.some((r) => r.includes('pnpm install --frozen-lockfile --filter "@cartwatch/web..."'))).toBe(
      true,
    );
    const buildRun = runs.find((r) => r.includes('turbo run build --filter "@cartwatch/web"')) ?? '';
    expect(buildRun).toContain('test -f services/web/dist/index.html');
    expect(buildRun).toContain("find services/web/dist -name '*.map' -delete");
  });

  it('takes only the build and its nginx configuration into the image', () => {
    const copies = all('COPY', web).map((c) => c.args);
    expect(copies).toEqual([
      'infra/web/nginx.conf /etc/nginx/nginx.conf',
      'infra/web/security-headers.conf /etc/nginx/cartwatch/security-headers.conf',
      '--from=web-build /repo/services/web/dist /usr/share/nginx/html',
    ]);
    for (const file of ['infra/web/nginx.conf', 'infra/web/security-headers.conf'])
      expect(existsSync(repoPath(file)), file).toBe(true);
  });

  it('runs nginx in the foreground as a numeric non-root user, on 8080, with a health check and a graceful stop', () => {
    expect(last('USER', web)?.args).toBe('101:101');
    expect(last('EXPOSE', web)?.args).toBe('8080');
    expect(execForm(last('ENTRYPOINT', web)?.args ?? '')).toEqual(['nginx', '-g', 'daemon off;']);
    expect(execForm(last('CMD', web)?.args ?? '')).toEqual([]);
    expect(last('STOPSIGNAL', web)?.args).toBe('SIGQUIT');
    const command = execForm((last('HEALTHCHECK', web)?.args ?? '').replace(/^(--\S+\s+)*CMD\s+/, ''));
    expect(command).toEqual(['wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8080/health']);
  });
});

/**
 * The web app's production bundle: builds @cartwatch/web and records each file's raw and gzipped size
 * (zlib level 9, as served pre-compressed would be), and the first screen's total: what index.html
 * loads before anything renders (its module script, module preloads and stylesheets). Lazy chunks
 * (uPlot, loaded with a chart) are listed apart. Writes bench/results/web.json and web.md.
 *
 *   pnpm exec tsx bench/web/run.ts
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = join(root, 'services/web/dist');
const results = join(root, 'bench/results');
/** The first-screen budget the web app is held to (services/web/README.md). */
const FIRST_SCREEN_BUDGET_GZIP = 250 * 1024;

execFileSync('pnpm', ['--filter', '@cartwatch/web', 'build'], { cwd: root, stdio: 'inherit' });

interface FileSize {
  file: string;
  bytes: number;
  gzipBytes: number;
  firstScreen: boolean;
}

function filesUnder(directory: string, prefix = ''): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesUnder(path, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

const html = readFileSync(join(dist, 'index.html'), 'utf8');
const firstScreen = new Set(['index.html']);
for (const match of html.matchAll(/(?:src|href)="\/([^"]+\.(?:js|css))"/g)) firstScreen.add(match[1] ?? '');

const sizes: FileSize[] = filesUnder(dist)
  .filter((file) => /\.(js|css|html|webmanifest)$/.test(file))
  .map((file) => {
    const content = readFileSync(join(dist, file));
    return {
      file,
      bytes: content.length,
      gzipBytes: gzipSync(content, { level: constants.Z_BEST_COMPRESSION }).length,
      firstScreen: firstScreen.has(file),
    };
  })
  .sort((a, b) => b.gzipBytes - a.gzipBytes);

const sum = (list: FileSize[], key: 'bytes' | 'gzipBytes') => list.reduce((total, f) => total + f[key], 0);
const first = sizes.filter((f) => f.firstScreen);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const summary = {
  date: new Date().toISOString(),
  node: process.version,
  firstScreen: { bytes: sum(first, 'bytes'), gzipBytes: sum(first, 'gzipBytes') },
  all: { bytes: sum(sizes, 'bytes'), gzipBytes: sum(sizes, 'gzipBytes') },
  budgetGzipBytes: FIRST_SCREEN_BUDGET_GZIP,
  met: sum(first, 'gzipBytes') <= FIRST_SCREEN_BUDGET_GZIP,
  files: sizes,
};
writeFileSync(join(results, 'web.json'), `${JSON.stringify(summary, null, 2)}\n`);
writeFileSync(
  join(results, 'web.md'),
  [
    '# Web app bundle size',
    '',
    `Run ${summary.date} with Node ${summary.node}: \`pnpm exec tsx bench/web/run.ts\` (production build of`,
    '`@cartwatch/web`, sizes gzipped at level 9; source maps are not served to users and not counted).',
    '',
    `- First screen (index.html and what it loads before rendering): **${kb(summary.firstScreen.gzipBytes)} gzipped** (${kb(summary.firstScreen.bytes)} raw); budget ${kb(FIRST_SCREEN_BUDGET_GZIP)}: ${summary.met ? 'met' : 'NOT met'}.`,
    `- Everything (app, lazy chunks, service worker, Workbox runtime): ${kb(summary.all.gzipBytes)} gzipped (${kb(summary.all.bytes)} raw).`,
    '',
    '| file | raw | gzip | first screen |',
    '| ---- | --: | ---: | ------------ |',
    ...sizes.map(
      (f) =>
        `| \`${f.file.replace(/-[A-Za-z0-9_-]{8}\./, '-[hash].')}\` | ${kb(f.bytes)} | ${kb(f.gzipBytes)} | ${f.firstScreen ? 'yes' : ''} |`,
    ),
    '',
  ].join('\n'),
);
console.log(
  `first screen ${kb(summary.firstScreen.gzipBytes)} gzipped; all ${kb(summary.all.gzipBytes)} gzipped`,
);

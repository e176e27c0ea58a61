/**
 * Summarises V8 CPU profiles (`.cpuprofile`, from `node --cpu-prof` or BENCH_EVENTS_CPU_PROF): self time
 * by function and by package, as shares of the busy (non-idle) time.
 * `pnpm exec tsx bench/profile-summary.ts <file-or-dir>... [--top N] [--timeline] [--from s --to s]`;
 * a directory means every `.cpuprofile` in it, each summarised on its own. `--timeline` prints the busy
 * milliseconds of each second (the benchmark's phases stand out), `--from`/`--to` keep one phase.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  byFunction: Array<{ name: string; ms: number; share: number }>;
  byPackage: Array<{ name: string; ms: number; share: number }>;
}

/** The package a script belongs to: an npm package, a workspace package, node's own code, or V8's. */
export function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node (core)';
  const file = url.replace(/^file:\/\//, '');
  const modules = file.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = file.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? file);
  }
  const workspace = /\/(packages|services|bench)\/([^/]+)\//.exec(file);
  if (workspace)
    return workspace[1] === 'packages' ? `@cartwatch/${workspace[2]}` : `${workspace[1]}/${workspace[2]}`;
  return file;
}

/** Busy (non-idle) milliseconds per second of the profile: shows where the benchmark's phases are. */
export function busyPerSecond(profile: CpuProfile): number[] {
  const idle = new Set(
    profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id),
  );
  const seconds: number[] = [];
  let at = 0;
  for (let index = 0; index < profile.samples.length; index += 1) {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    const second = Math.floor(at / 1e6);
    seconds[second] = (seconds[second] ?? 0) + (idle.has(profile.samples[index] ?? 0) ? 0 : delta / 1000);
  }
  return Array.from(seconds, (ms) => Math.round(ms ?? 0));
}

/** Self time by function and package; `window` (seconds from the profile's start) keeps one phase. */
export function summarise(
  profile: CpuProfile,
  top = 25,
  window: { from: number; to: number } = { from: 0, to: Number.POSITIVE_INFINITY },
): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; attribute it to that sample's node.
  let at = 0;
  for (let index = 0; index < profile.samples.length; index += 1) {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (at < window.from * 1e6 || at >= window.to * 1e6) continue;
    const id = profile.samples[index] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = nodes.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    totalUs += us;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const pkg = packageOf(url, functionName);
    const name =
      `${functionName || '(anonymous)'} ${url ? `${pkg}:${path.basename(url)}:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const rank = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 100) / 10,
        share: Math.round((1000 * us) / busyUs) / 10,
      }));
  return {
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    byFunction: rank(byFunction),
    byPackage: rank(byPackage),
  };
}

function filesOf(argument: string): string[] {
  if (!statSync(argument).isDirectory()) return [argument];
  return readdirSync(argument)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => path.join(argument, name));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: 'string', default: '25' },
      from: { type: 'string', default: '0' },
      to: { type: 'string', default: 'Infinity' },
      timeline: { type: 'boolean', default: false },
    },
  });
  for (const file of positionals.flatMap(filesOf)) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    if (values.timeline) console.log(`\n${file}: busy ms per second: ${busyPerSecond(profile).join(' ')}`);
    const window = { from: Number(values.from), to: Number(values.to) };
    const summary = summarise(profile, Number(values.top), window);
    console.log(
      `\n${file} (seconds ${window.from} to ${window.to}): ${summary.busyMs} ms busy of ${summary.totalMs} ms sampled`,
    );
    console.log('\nself time by package:');
    for (const row of summary.byPackage)
      console.log(`  ${row.share.toFixed(1).padStart(5)} %  ${row.ms} ms  ${row.name}`);
    console.log('\nself time by function:');
    for (const row of summary.byFunction)
      console.log(`  ${row.share.toFixed(1).padStart(5)} %  ${row.ms} ms  ${row.name}`);
  }
}

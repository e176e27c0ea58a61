/** CPU accounting for benchmarks, from /proc (Linux): where a run's CPU went, by process. */
import { readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

/** CPU seconds (user + system) a process has used so far; 0 when unreadable (e.g. it ended). */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by each of `pids`. */
export function cpuOf(pids: Iterable<number>): Map<number, number> {
  return new Map([...pids].map((pid) => [pid, processCpuSeconds(pid)]));
}

/**
 * CPU seconds the processes of `after` used since `before` was taken; a process missing from `before`
 * (started in between) counts from 0.
 */
export function cpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return Math.round(total * 100) / 100;
}

/** Reads a process's process group from /proc (Linux), for tests that servers run in their own group. */
import { readFileSync } from 'node:fs';

export function processGroupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // "pid (comm) state ppid pgrp …"; comm may contain spaces and parentheses.
  const [, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(pgrp);
}

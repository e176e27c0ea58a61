/**
 * playwright-core, loaded by the first store sync rather than at start: it is the largest module of the
 * service (about 50 MiB of a process's memory, bench/README.md "memory") and most processes sync rarely.
 * Types are imported statically (`import type`), so nothing else changes for its users.
 */
import type * as Playwright from 'playwright-core';

let loaded: typeof Playwright | undefined;

export async function loadPlaywright(): Promise<typeof Playwright> {
  loaded ??= await import('playwright-core');
  return loaded;
}

/** playwright-core once a sync has loaded it; undefined before (no Playwright error can exist yet). */
export function loadedPlaywright(): typeof Playwright | undefined {
  return loaded;
}

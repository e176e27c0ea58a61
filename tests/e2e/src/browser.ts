/**
 * Chromium for the web app's browser tests: playwright-core drives the system Chromium
 * (`CHROMIUM_PATH`, default /usr/bin/chromium) against the gateway, which serves the built app at `/`.
 * Missing Chromium fails the run; it is never skipped. Screenshots go to artifacts/screenshots/
 * (gitignored), and every main screen is checked with axe-core.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { headlessChromiumArgs } from '@cartwatch/service-kit';
import axe from 'axe-core';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const viewports = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
} as const;
export type ViewportName = keyof typeof viewports;

export const screenshotDirectory = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'artifacts',
  'screenshots',
);

/** `extraArgs`, e.g. a fake camera: `--use-fake-device-for-media-stream --use-file-for-fake-video-capture=…`. */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...headlessChromiumArgs, ...extraArgs] });
}

/** Saves `<name>-<viewport>.png`, the whole page, for people to look at (not compared). */
export async function screenshot(page: Page, name: string, viewport: ViewportName): Promise<void> {
  mkdirSync(screenshotDirectory, { recursive: true });
  await page.screenshot({ path: join(screenshotDirectory, `${name}-${viewport}.png`), fullPage: true });
}

export interface AxeFinding {
  id: string;
  impact: string | null | undefined;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core in the page (WCAG 2.x A/AA rules) and returns its serious and critical violations.
 * axe is evaluated over the DevTools protocol, so the gateway's Content-Security-Policy stays as served.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(axe.source);
  const results = await page.evaluate(() =>
    (globalThis as unknown as { axe: typeof axe }).axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    }),
  );
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
}

/**
 * The main-screen check of the browser tests: `check(page, name)` screenshots the screen at both widths
 * and records axe's serious and critical findings at each (the page is left at desktop width). It
 * returns this screen's findings by `<name> (<viewport>)`, for a test that checks its own screen
 * (`expect(await screens.check(page, name)).toEqual({})`); `findings` holds every screen's.
 */
export class ScreenChecks {
  readonly findings: Record<string, AxeFinding[]> = {};

  async check(
    page: Page,
    name: string,
    widths: readonly ViewportName[] = ['desktop', 'phone'],
  ): Promise<Record<string, AxeFinding[]>> {
    const found: Record<string, AxeFinding[]> = {};
    for (const viewport of widths) {
      await page.setViewportSize(viewports[viewport]);
      await screenshot(page, name, viewport);
      const findings = await seriousAxeViolations(page);
      if (findings.length > 0) found[`${name} (${viewport})`] = findings;
    }
    Object.assign(this.findings, found);
    await page.setViewportSize(viewports.desktop);
    return found;
  }
}

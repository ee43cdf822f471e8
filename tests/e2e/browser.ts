import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { CHROMIUM, INSTALL_COMMAND } from '../helpers/system-packages.ts';
import { repoRoot } from '../helpers/temp.ts';

// Suites skip without Chromium through describeWith(['chromium'], ...) (tests/helpers/system-packages.ts).

/** Throws with the install command when Chromium is not there (the mock director's own runs). */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: ${INSTALL_COMMAND}`);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export function newContext(browser: Browser, opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {}): Promise<BrowserContext> {
  return browser.newContext({
    ignoreHTTPSErrors: true,
    acceptDownloads: true,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 860 },
    deviceScaleFactor: 1,
    colorScheme: opts.colorScheme ?? 'light',
    reducedMotion: 'reduce',
  });
}

/** test-artifacts/ (gitignored) for screenshots and downloads. */
export function artifactsDir(): string {
  const dir = join(repoRoot, 'test-artifacts', 'e2e');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * A screenshot into test-artifacts/e2e/NAME.png. The README's pictures (`docs: true`) are copied to
 * docs/screenshots/ only with DCVIX_UPDATE_SCREENSHOTS=1, so normal runs never touch tracked files.
 */
export async function saveScreenshot(page: Page, name: string, opts: { docs?: boolean } = {}): Promise<string> {
  const file = join(artifactsDir(), `${name}.png`);
  await page.screenshot({ path: file });
  if (opts.docs && process.env.DCVIX_UPDATE_SCREENSHOTS) {
    const docs = join(repoRoot, 'docs', 'screenshots');
    mkdirSync(docs, { recursive: true });
    copyFileSync(file, join(docs, `${name}.png`));
  }
  return file;
}

/**
 * Signs in through the real form at `base` + `path` (#/login or #/admin/login). A fresh load each time:
 * a same-URL goto would keep the form's state (e.g. a running 429 countdown).
 */
export async function signInAs(page: Page, base: string, user: string, password: string, path = '/#/login'): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${base}${path}`);
  await fillSignIn(page, user, password);
}

/** A fresh page signed in as `admin` (password `password`) through the admin form, on the admin start page (Agents). */
export async function adminPage(browser: Browser, base: string, password: string, width = 1280): Promise<Page> {
  const page = await (await newContext(browser, { width, height: 900 })).newPage();
  await signInAs(page, base, 'admin', password, '/#/admin/login');
  await page.waitForSelector('h1:has-text("Agents")');
  return page;
}

/** Fills and submits the sign-in form already on the page. */
export async function fillSignIn(page: Page, user: string, password: string): Promise<void> {
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

const AXE_SOURCE = join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js');

/**
 * Runs axe-core (from npm) in the page and returns its violations (WCAG 2.1 A/AA and best practices).
 * The script goes in through the DevTools protocol, so the page's CSP (no inline script) stays as is.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(AXE_SOURCE, 'utf8'));
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
}

/** Violations in a line each, for a readable failing assertion. */
export const describeViolations = (vs: AxeViolation[]) =>
  vs.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => `${n.target.join(' ')} [${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 200)}]`).join(', ')}`);

/** Scrolls an image into view, waits until it has loaded and answers its natural [width, height]. */
export async function loadedImageSize(img: Locator, timeoutMs = 10_000): Promise<number[]> {
  await img.scrollIntoViewIfNeeded();
  await img.page().waitForFunction((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0, await img.elementHandle(), { timeout: timeoutMs });
  return img.evaluate((el: HTMLImageElement) => [el.naturalWidth, el.naturalHeight]);
}

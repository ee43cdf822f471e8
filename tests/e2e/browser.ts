import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from '../helpers/temp.ts';

/** Debian's chromium package; the binary, not the /usr/bin wrapper. */
export const CHROMIUM = process.env.DCVIX_CHROMIUM ?? '/usr/lib/chromium/chromium';

/**
 * Whether browser tests can run. Without Chromium they skip on a developer machine, but CI must have
 * it: there the first test fails with the install command instead of skipping quietly.
 */
export const hasChromium = existsSync(CHROMIUM);
export const mustRun = !!process.env.CI;

export function requireChromium(): void {
  if (!hasChromium) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y --no-install-recommends chromium fonts-liberation`);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export function newContext(browser: Browser, opts: { width?: number; height?: number } = {}): Promise<BrowserContext> {
  return browser.newContext({
    ignoreHTTPSErrors: true,
    acceptDownloads: true,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 860 },
    deviceScaleFactor: 1,
    colorScheme: 'light',
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

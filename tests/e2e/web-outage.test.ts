import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { approveAgent, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { launchBrowser, newContext, requireChromium, saveScreenshot, signInAs } from './browser.ts';
import { describeWith } from '../helpers/system-packages.ts';

/**
 * The director stopped mid-test, for real: the launcher says it cannot reach the broker within one
 * polling interval (5 s), keeps the last data marked with its time, holds actions back with the
 * reason, and recovers without a reload once the director is back on the same port and data (a fixed
 * token key keeps the cookie valid across the restart). Sign-out while it is down never pretends.
 */
const KEY = 'd4'.repeat(32);
const POLL_MS = 5_000;
let director: DirectorHandle;
let agent: AgentHandle;
let browser: Browser;

const directorConfig = (port = 0) => ({ token_key: KEY, dcv_port: 8443, director_port: port });

/** Starts the director again in the same directory and on the same port. */
async function restartDirector(): Promise<void> {
  director = await startDirector({ dir: director.dir, config: directorConfig(director.port) });
}

async function alice(): Promise<Page> {
  const browserPage = await (await newContext(browser, { width: 1100, height: 760 })).newPage();
  await signInAs(browserPage, director.url, 'alice', TEST_USERS.alice!);
  await browserPage.locator('[data-testid="pool-workstations"] :text("1 of 1 online")').waitFor({ timeout: 15_000 });
  // Survives only if the page is never reloaded.
  await browserPage.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
  return browserPage;
}

const sameDocument = (p: Page) => p.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument === true);

describeWith(['chromium'], 'web app while the director is down (real director, stopped mid-test)', () => {
  beforeAll(async () => {
    requireChromium();
    director = await startDirector({ config: directorConfig() });
    agent = await startAgent(director.url, { config: { hostname: 'ws-outage', update_interval: '500ms' } });
    await approveAgent(director, agent);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await director?.stop();
    cleanupTempDirs();
  });

  test('ok: banner within one polling interval, data as of its last fetch, actions held with the reason, recovery without reload', async () => {
    const page = await alice();
    const pool = page.locator('[data-testid="pool-workstations"]');
    await director.stop();
    const stoppedAt = Date.now();
    await page.waitForSelector('[data-testid="outage-banner"]', { timeout: POLL_MS + 3_000 });
    expect(Date.now() - stoppedAt).toBeLessThan(POLL_MS + 1_500);
    expect(await page.textContent('[data-testid="outage-banner"]')).toContain('Can’t reach the broker; retrying…');
    expect(await page.textContent('[data-testid="freshness"]')).toMatch(/^As of \d\d:\d\d:\d\d/);
    // Never "Online" as if live: the badge says what it was and when.
    expect(await pool.locator('.badge').textContent()).toMatch(/^Online as of \d\d:\d\d( [AP]M)?$/);
    const start = pool.locator('button:has-text("Start session")');
    expect(await start.getAttribute('aria-disabled')).toBe('true');
    expect(await pool.locator('.held-reason').textContent()).toContain('Can’t reach the broker');
    await start.click({ force: true }); // aria-disabled: it stays focusable but does nothing
    expect(await pool.locator('text=Starting your').count()).toBe(0);
    await saveScreenshot(page, 'outage-banner', { docs: true });

    await restartDirector();
    await page.waitForSelector('[data-testid="outage-banner"]', { state: 'detached', timeout: POLL_MS + 5_000 });
    await pool.locator(':text("1 of 1 online")').waitFor({ timeout: 15_000 });
    expect(await start.getAttribute('aria-disabled')).toBe('false');
    expect(await sameDocument(page)).toBe(true);
    await page.context().close();
  }, 60_000);

  test('ok: sign-out while the director is down says it did not reach the broker, retries, and signs out once it is back', async () => {
    const page = await alice();
    const hasCookie = async () => (await page.context().cookies()).some((c) => c.name === 'dcvix_session' && c.value);
    await director.stop();
    await page.click('button:has-text("Sign out")');
    const failed = page.locator('[data-testid="signout-failed"]');
    await failed.waitFor({ timeout: 10_000 });
    expect(await failed.textContent()).toContain('Sign-out did not reach the broker; retrying…');
    await page.waitForTimeout(1_000);
    expect(page.url()).not.toContain('/login');
    expect(await hasCookie()).toBe(true);
    await saveScreenshot(page, 'signout-unreachable');

    await restartDirector();
    await page.waitForSelector('text=You are signed out.', { timeout: 20_000 });
    expect(await hasCookie()).toBe(false);
    await page.context().close();
  }, 60_000);
});

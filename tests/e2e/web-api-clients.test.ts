import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { accessToken } from '../helpers/session-manager.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { adminPage, axeViolations, describeViolations, launchBrowser, requireChromium, saveScreenshot } from './browser.ts';

/**
 * The API clients page in a real Chromium against a real director: an admin registers a client (its
 * secret shown once, and good at the token endpoint), gives it a new secret, and disables it.
 */
let director: DirectorHandle;
let browser: Browser;

const signedInAdmin = (): Promise<Page> => adminPage(browser, director.url, TEST_USERS.admin!);

describeWith(['chromium'], 'API clients in the web app (real director)', () => {
  beforeAll(async () => {
    requireChromium();
    director = await startDirector();
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await director?.stop();
    cleanupTempDirs();
  });

  test('ok: an admin registers a client and sees its secret once, rotates it, and disables the client', async () => {
    const page = await signedInAdmin();
    await page.click('.tabs a:has-text("API clients")');
    await page.waitForSelector('text=No API client yet.');
    await page.fill('input[name=name]', 'portal');
    await page.check('input[value="sessions:write"]');
    await page.fill('input[name=pools]', 'workstations');
    await page.click('button:has-text("Register API client")');
    const secret = (await page.locator('[data-testid="api-client-secret"]').textContent())!.trim();
    const row = page.locator('tbody tr', { hasText: 'portal' });
    await row.waitFor();
    const id = (await row.locator('.mono.small').first().textContent())!.trim();
    expect(await row.textContent()).toContain('sessions:read sessions:write');
    expect(await row.textContent()).toContain('pools workstations');
    expect((await accessToken(director, id, secret)).status).toBe(200);
    await saveScreenshot(page, 'admin-api-client-created');
    expect(describeViolations(await axeViolations(page))).toEqual([]);

    await page.click('button:has-text("Done, hide it")');
    await row.locator('button:has-text("New secret")').click();
    const rotated = (await page.locator('[data-testid="api-client-secret"]').textContent())!.trim();
    expect(rotated).not.toBe(secret);
    expect((await accessToken(director, id, secret)).status).toBe(401);
    expect((await accessToken(director, id, rotated)).status).toBe(200);

    await row.locator('button:has-text("Disable")').click();
    await page.click('dialog[open] button:has-text("Disable client")');
    await row.locator('text=Disabled').waitFor();
    expect((await accessToken(director, id, rotated)).status).toBe(401);
    await page.context().close();
  }, 30_000);
});

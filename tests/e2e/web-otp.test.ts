import { afterAll, beforeAll, expect, test } from 'bun:test';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { launchBrowser, newContext, requireChromium, saveScreenshot } from './browser.ts';
import { describeWith } from '../helpers/system-packages.ts';

/**
 * Second factor in the browser, against a director with built-in TOTP: the first login asks the user
 * to enrol (QR code and key), and from then on the code field appears only after the password step.
 */
let director: DirectorHandle;
let browser: Browser;
let page: Page;
let secret = '';

/** A code for `steps` time steps ahead: each accepted step burns itself and all before it. */
const code = (steps: number) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

async function passwordStep() {
  await page.fill('input[name=username]', 'alice');
  await page.fill('input[name=password]', TEST_USERS.alice!);
  await page.click('button[type=submit]');
}

describeWith(['chromium'], 'web app: second factor (built-in TOTP)', () => {
  beforeAll(async () => {
    requireChromium();
    // A wider window lets the test use codes of coming time steps instead of waiting 30 s for each.
    director = await startDirector({ config: { otp: { backend: 'totp', totp: { window: 3 } } } });
    browser = await launchBrowser();
    page = await (await newContext(browser, { width: 1000, height: 900 })).newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await director?.stop();
    cleanupTempDirs();
  });

  test('ok: the first sign-in enrols an authenticator app, then asks for a code', async () => {
    await page.goto(`${director.url}/#/login`);
    await passwordStep();
    await page.waitForSelector('h1:has-text("Set up your authenticator app")');
    await page.click('button:has-text("Set up authenticator app")');
    await page.waitForSelector('svg.qr path');
    secret = (await page.textContent('[data-testid=totp-secret]'))!.replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await saveScreenshot(page, 'totp-enrolment');
    await page.fill('input[name=code]', await code(0));
    await page.click('button:has-text("Confirm")');
    await page.waitForSelector('input[name=otp]');
    expect(await page.textContent('.login-card')).toContain('Signing in as alice');
    await page.fill('input[name=otp]', await code(1));
    await page.click('button:has-text("Verify")');
    await page.waitForSelector('h1:has-text("Your desktops")');
  }, 30_000);

  test('ok: the code field appears only after the password was accepted', async () => {
    await page.click('button:has-text("Sign out")');
    await page.waitForSelector('input[name=username]');
    expect(await page.locator('input[name=otp]').count()).toBe(0);
    await passwordStep();
    await page.waitForSelector('input[name=otp]');
    expect(await page.locator('input[name=password]').count()).toBe(0);
    await page.fill('input[name=otp]', await code(2));
    await page.click('button:has-text("Verify")');
    await page.waitForSelector('h1:has-text("Your desktops")');
    await page.click('a:has-text("Authenticator")');
    await page.waitForSelector('text=Your authenticator app is set up');
  }, 30_000);
});

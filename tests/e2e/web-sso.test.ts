import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { startSsoScene, type SsoScene } from '../helpers/sso-scene.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { axeViolations, describeViolations, launchBrowser, newContext, requireChromium, saveScreenshot } from './browser.ts';

/**
 * Single sign-on in Chromium, end to end: the director's sign-in page, the provider's own sign-in form
 * (oidc-provider over TLS), back to the launcher with the pools of the user's groups; an admin the same
 * way; a failed sign-in showing its code on the sign-in page; sign-out through the provider.
 */
let scene: SsoScene;
let browser: Browser;

async function freshPage(colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  return (await newContext(browser, { width: 1000, height: 900, colorScheme })).newPage();
}

/** Clicks "Sign in with Corp" on the director's page and signs in at the provider's form. */
async function throughProvider(page: Page, user: string): Promise<void> {
  await page.click('[data-testid="sso-corp"]');
  await page.waitForURL(`${scene.provider.issuer}/**`);
  await page.fill('input[name=login]', user);
  await page.fill('input[name=password]', 'any');
  await page.click('button[type=submit]');
}

describeWith(['chromium'], 'web app: single sign-on (OpenID Connect)', () => {
  beforeAll(async () => {
    requireChromium();
    scene = await startSsoScene();
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await scene?.stop();
    cleanupTempDirs();
  });

  test('ok: a user signs in through the provider and lands in the launcher with the pools of their groups; sign-out ends the provider session', async () => {
    const page = await freshPage();
    await page.goto(`${scene.director.url}/#/login`);
    await page.waitForSelector('[data-testid="sso-corp"]');
    expect(await page.textContent('[data-testid="sso-corp"]')).toBe('Sign in with Corp');
    expect(describeViolations(await axeViolations(page))).toEqual([]);
    await saveScreenshot(page, 'sso-login');
    await throughProvider(page, 'erin');
    await page.waitForSelector('[data-testid="pool-workstations"]');
    expect(new URL(page.url()).origin).toBe(scene.publicUrl);
    await page.click('button:has-text("Sign out")');
    // The provider asks to confirm its own sign-out, then sends the browser back to the web app.
    await page.waitForURL(`${scene.provider.issuer}/session/end**`);
    await page.click('button[autofocus], button[type=submit]');
    await page.waitForURL(`${scene.publicUrl}/**`);
    await page.waitForSelector('[data-testid="sso-corp"]');
    await page.context().close();
  }, 30_000);

  test('ok: an admin signs in the same way at the administrator sign-in', async () => {
    const page = await freshPage();
    await page.goto(`${scene.director.url}/#/admin/login`);
    await page.waitForSelector('[data-testid="sso-corp"]');
    await throughProvider(page, 'oscar');
    await page.waitForURL(/#\/admin\/agents/);
    await page.waitForSelector('h1:has-text("Agents")');
    await page.context().close();
  }, 30_000);

  test('rejects: a failed sign-in shows its code and message on the sign-in page (axe clean, dark), and signs nobody in', async () => {
    const page = await freshPage('dark');
    await page.goto(`${scene.director.url}/#/login`);
    await page.waitForSelector('[data-testid="sso-corp"]');
    await throughProvider(page, 'mallory');
    // The provider's display name appears once the provider list is in.
    await page.waitForSelector('[data-testid="sso-error"]:has-text("Single sign-on with Corp failed.")');
    expect(page.url()).toContain('sso_error=OIDC_USER_UNKNOWN');
    expect(await page.textContent('[data-testid="sso-error"] code')).toBe('OIDC_USER_UNKNOWN');
    expect(describeViolations(await axeViolations(page))).toEqual([]);
    await saveScreenshot(page, 'sso-error');
    // A forged callback (no transaction cookie) lands on the same page.
    await page.goto(`${scene.director.url}/v1/auth/oidc/corp/callback?code=forged&state=forged`);
    await page.waitForSelector('[data-testid="sso-error"] code:has-text("OIDC_STATE_MISMATCH")');
    expect((await page.context().cookies()).some((c) => c.name === 'dcvix_session')).toBe(false);
    await page.context().close();
  }, 30_000);

  test('ok: with password_form = false the sign-in page offers only the providers (axe clean)', async () => {
    const page = await freshPage();
    await page.route('**/v1/auth/oidc/providers', (route) => route.fulfill({ json: { providers: [{ name: 'corp', displayName: 'Corp' }], passwordForm: false } }));
    await page.goto(`${scene.director.url}/#/login`);
    await page.waitForSelector('[data-testid="sso-corp"]');
    expect(await page.isVisible('input[name=username]')).toBe(false);
    expect(await page.isVisible('button[type=submit]')).toBe(false);
    expect(await page.isVisible('.sso-or')).toBe(false);
    expect(describeViolations(await axeViolations(page))).toEqual([]);
    await page.context().close();
  }, 30_000);
});

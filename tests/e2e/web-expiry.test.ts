import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, login } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { fillSignIn, launchBrowser, newContext, requireChromium, saveScreenshot, signInAs } from './browser.ts';
import { describeWith } from '../helpers/system-packages.ts';

/**
 * Sign-in expiry against a real director with a 1-minute session token (the shortest the config
 * takes), so the whole life of a sign-in fits in one test: the warning (shown from 5 minutes before
 * /v1/me expiresAt, so at once here), "Stay signed in" (POST /v1/renew), and the expiry itself, which
 * brings the sign-in form back saying why and returns to the same page afterwards.
 */
const TTL_MS = 60_000;
let director: DirectorHandle;
let browser: Browser;

async function signedIn(user: 'alice' | 'admin'): Promise<Page> {
  const page = await (await newContext(browser, { width: 1100, height: 700 })).newPage();
  await signInAs(page, director.url, user, TEST_USERS[user]!, user === 'admin' ? '/#/admin/login' : '/#/login');
  await page.waitForSelector('h1:not(:has-text("sign-in")):not(:has-text("Sign in"))');
  return page;
}

describeWith(['chromium'], 'sign-in expiry (real director, 1-minute tokens)', () => {
  beforeAll(async () => {
    requireChromium();
    director = await startDirector({ config: { session_token_ttl: '1m' } });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await director?.stop();
    cleanupTempDirs();
  });

  test('ok: a warning with "Stay signed in" renews the token; at expiry "Your sign-in expired" and back to the same page', async () => {
    // The admin sits on the servers page and lets the sign-in run out.
    const admin = await signedIn('admin');
    const signedInAt = Date.now();
    await admin.goto(`${director.url}/#/admin/servers`);
    await admin.waitForSelector('h1:has-text("Servers")');

    // Meanwhile alice sees the warning and stays signed in.
    const alice = await signedIn('alice');
    const warning = alice.locator('[data-testid="expiry-warning"]');
    await warning.waitFor();
    expect(await warning.textContent()).toContain('Your sign-in ends at');
    await saveScreenshot(alice, 'expiry-warning', { docs: true });
    const before = await alice.evaluate(() => fetch('/v1/me').then((r) => r.json()));
    await alice.waitForTimeout(1_500);
    const [renewal] = await Promise.all([alice.waitForResponse((r) => r.url().endsWith('/v1/renew')), warning.locator('button:has-text("Stay signed in")').click()]);
    expect(renewal.status()).toBe(200);
    const renewed = await renewal.json();
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.parse(before.expiresAt));
    expect((await alice.evaluate(() => fetch('/v1/me').then((r) => r.json()))).expiresAt).toBe(renewed.expiresAt);

    // The admin's sign-in ends: the form comes back saying so, with the page to return to.
    await admin.waitForSelector('text=Your sign-in expired.', { timeout: TTL_MS + 10_000 });
    expect(Date.now() - signedInAt).toBeGreaterThanOrEqual(TTL_MS - 2_000);
    expect(decodeURIComponent(admin.url())).toContain('#/admin/login?next=/admin/servers&reason=expired');
    expect(await admin.locator('input[name=password]').count()).toBe(1);
    await saveScreenshot(admin, 'expiry-signed-out', { docs: true });
    await fillSignIn(admin, 'admin', TEST_USERS.admin!);
    await admin.waitForSelector('h1:has-text("Servers")');

    await admin.context().close();
    await alice.context().close();
  }, 120_000);

  test('ok: signed out everywhere by an admin (401 SESSION_REVOKED): "You were signed out", then back to the same page', async () => {
    const alice = await signedIn('alice');
    await alice.goto(`${director.url}/#/totp`);
    await alice.waitForSelector('h1:has-text("Authenticator app")');
    await alice.goto(`${director.url}/#/`);
    await alice.waitForSelector('h1:has-text("Your desktops")');
    const admin = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
    const response = await call(`${director.url}/v1/admin/users/alice/signout`, { method: 'POST', ca: director.caPem, cookie: admin });
    expect(response.status).toBe(200);
    // The launcher polls every 5 s; its next call is refused and the form says why.
    await alice.waitForSelector('text=You were signed out.', { timeout: 10_000 });
    expect(decodeURIComponent(alice.url())).toContain('#/login?next=/&reason=revoked');
    await alice.waitForTimeout(1_100); // a login in a later second than the sign-out
    await fillSignIn(alice, 'alice', TEST_USERS.alice!);
    await alice.waitForSelector('h1:has-text("Your desktops")');
    await alice.context().close();
  }, 30_000);
});

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { hasChromium, launchBrowser, mustRun, newContext, requireChromium, saveScreenshot, signInAs } from './browser.ts';
import { startMockDirector, type MockDirector } from './mock-director.ts';

/**
 * UI states that a real director shows only under conditions hard to set up on demand (a RADIUS
 * challenge, throttling, a dead upstream, DCV out of licences, an expiring session), against the mock
 * API in mock-director.ts. The real web app is served by the real webRoutes().
 */
let mock: MockDirector;
let browser: Browser;

async function page(width = 1100, height = 800): Promise<Page> {
  return (await newContext(browser, { width, height })).newPage();
}

const submitLogin = (p: Page, user: string, password: string, path = '/#/login') => signInAs(p, mock.url, user, password, path);

const alertText = (p: Page) => p.locator('[role=alert]').first().textContent();

describe.skipIf(!hasChromium && !mustRun)('web app states (mock API)', () => {
  beforeAll(async () => {
    requireChromium();
    mock = startMockDirector();
    browser = await launchBrowser();
  }, 20_000);

  afterAll(async () => {
    await browser?.close();
    mock?.stop();
  });

  test('ok: a RADIUS challenge shows its own text and only the code field, and echoes the state', async () => {
    const p = await page();
    await submitLogin(p, 'otto', 'otto-pw');
    await p.waitForSelector('text=Enter the code shown on your hardware token');
    expect(await p.locator('input[name=password]').count()).toBe(0);
    await p.fill('input[name=otp]', '123456');
    await p.click('button:has-text("Verify")');
    await p.waitForSelector('h1:has-text("Your desktops")');
    expect(mock.state.logins.at(-1)).toEqual({ userID: 'otto', password: 'otto-pw', otp: '123456', state: 'radius-state-1' });
    await p.context().close();
  }, 20_000);

  test('rejects: wrong password, throttling and a dead server are said in words', async () => {
    const p = await page();
    await submitLogin(p, 'alice', 'nope');
    expect(await alertText(p)).toBe('The user name or password is not right.');
    await submitLogin(p, 'locked', 'x');
    await p.waitForSelector('text=Too many attempts. Try again in 42 seconds.');
    expect(await p.isDisabled('button[type=submit]')).toBe(true);
    await submitLogin(p, 'down', 'x');
    expect(await alertText(p)).toContain('The server is unavailable');
    await submitLogin(p, 'alice', 'alice-pw', '/#/admin/login');
    expect(await alertText(p)).toBe('This account is not an administrator. Use the regular sign-in.');
    const body = (await p.textContent('body'))!;
    expect(body).not.toContain('{');
    await p.context().close();
  }, 20_000);

  test('rejects: a failed start shows DCV’s own reason', async () => {
    const p = await page();
    await submitLogin(p, 'alice', 'alice-pw');
    const card = p.locator('[data-testid="server-ws01.example.com"]');
    await card.locator('select').selectOption('console');
    await card.locator('button:has-text("Start session")').click();
    await card.locator('text=Starting your console session').waitFor();
    await card.locator('text=DCV could not start the session: All licenses in use.').waitFor();
    await p.context().close();
  }, 20_000);

  test('ok: an expired sign-in returns to the login page and says why', async () => {
    const p = await page();
    await submitLogin(p, 'alice', 'alice-pw');
    await p.waitForSelector('h1:has-text("Your desktops")');
    mock.state.expired = true;
    try {
      await p.waitForSelector('text=Your sign-in expired.', { timeout: 10_000 });
      expect(p.url()).toContain('#/login?next=%2F');
    } finally {
      mock.state.expired = false;
    }
    await p.context().close();
  }, 20_000);

  test('ok: phone width: launcher and admin agents fit 390 px', async () => {
    const p = await page(390, 844);
    await submitLogin(p, 'admin', 'admin-pw', '/#/admin/login');
    await p.waitForSelector('h1:has-text("Agents")');
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await saveScreenshot(p, 'admin-agents-phone');
    await p.goto(`${mock.url}/#/`);
    await p.waitForSelector('[data-testid="pool-workstations"]');
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await saveScreenshot(p, 'launcher-phone');
    await p.context().close();
  }, 20_000);

  test('ok: the admin servers page shows each server\'s health; the reason\'s message is in the tooltip', async () => {
    const p = await page();
    await submitLogin(p, 'admin', 'admin-pw', '/#/admin/login');
    await p.waitForSelector('h1:has-text("Agents")');
    await p.goto(`${mock.url}/#/admin/servers`);
    const broken = p.locator('tr', { hasText: 'ws03.example.com' }).locator('.badge', { hasText: 'AGENT_UNREACHABLE' });
    await broken.waitFor({ timeout: 10_000 });
    expect(await p.locator('tr', { hasText: 'ws01.example.com' }).locator('.badge', { hasText: 'Healthy' }).count()).toBe(1);
    expect(await broken.locator('xpath=..').getAttribute('title')).toContain('did not answer within 30000 ms');
    await p.goto(`${mock.url}/#/`);
    await p.waitForSelector('[data-testid="pool-workstations"] >> text=2 of 3 online');
    await p.context().close();
  }, 20_000);
});

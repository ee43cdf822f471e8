import { expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { newContext, saveScreenshot, signInAs } from './browser.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { type MockDirector, withMockDirectorAndBrowser } from './mock-director.ts';

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

describeWith(['chromium'], 'web app states (mock API)', () => {
  withMockDirectorAndBrowser((startedMock, startedBrowser) => {
    mock = startedMock;
    browser = startedBrowser;
  });

  test('ok: a RADIUS challenge shows its own text and only the code field, and echoes the state', async () => {
    const tab = await page();
    await submitLogin(tab, 'otto', 'otto-pw');
    await tab.waitForSelector('text=Enter the code shown on your hardware token');
    expect(await tab.locator('input[name=password]').count()).toBe(0);
    await tab.fill('input[name=otp]', '123456');
    await tab.click('button:has-text("Verify")');
    await tab.waitForSelector('h1:has-text("Your desktops")');
    expect(mock.state.logins.at(-1)).toEqual({ userID: 'otto', password: 'otto-pw', otp: '123456', state: 'radius-state-1' });
    await tab.context().close();
  }, 20_000);

  test('rejects: wrong password, throttling and a dead server are said in words', async () => {
    const tab = await page();
    await submitLogin(tab, 'alice', 'nope');
    expect(await alertText(tab)).toBe('The user name or password is not right.');
    await submitLogin(tab, 'locked', 'x');
    await tab.waitForSelector('text=Too many attempts. Try again in 42 seconds.');
    expect(await tab.isDisabled('button[type=submit]')).toBe(true);
    await submitLogin(tab, 'down', 'x');
    expect(await alertText(tab)).toContain('The server is unavailable');
    await submitLogin(tab, 'alice', 'alice-pw', '/#/admin/login');
    expect(await alertText(tab)).toBe('This account is not an administrator. Use the regular sign-in.');
    const body = (await tab.textContent('body'))!;
    expect(body).not.toContain('{');
    await tab.context().close();
  }, 20_000);

  test('rejects: a failed start shows DCV’s own reason', async () => {
    const tab = await page();
    await submitLogin(tab, 'alice', 'alice-pw');
    const card = tab.locator('[data-testid="server-ws01.example.com"]');
    await card.locator('select').selectOption('console');
    await card.locator('button:has-text("Start session")').click();
    await card.locator('text=Starting your console session').waitFor();
    await card.locator('text=DCV could not start the session: All licenses in use.').waitFor();
    await tab.context().close();
  }, 20_000);

  test('ok: an expired sign-in returns to the login page and says why', async () => {
    const tab = await page();
    await submitLogin(tab, 'alice', 'alice-pw');
    await tab.waitForSelector('h1:has-text("Your desktops")');
    mock.state.expired = true;
    try {
      await tab.waitForSelector('text=Your sign-in expired.', { timeout: 10_000 });
      expect(tab.url()).toContain('#/login?next=%2F');
    } finally {
      mock.state.expired = false;
    }
    await tab.context().close();
  }, 20_000);

  test('ok: phone width: launcher and admin agents fit 390 px', async () => {
    const tab = await page(390, 844);
    await submitLogin(tab, 'admin', 'admin-pw', '/#/admin/login');
    await tab.waitForSelector('h1:has-text("Agents")');
    expect(await tab.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await saveScreenshot(tab, 'admin-agents-phone');
    await tab.goto(`${mock.url}/#/`);
    await tab.waitForSelector('[data-testid="pool-workstations"]');
    expect(await tab.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await saveScreenshot(tab, 'launcher-phone');
    await tab.context().close();
  }, 20_000);

  test("ok: the admin servers page shows each server's health; the reason's message is in the tooltip", async () => {
    const tab = await page();
    await submitLogin(tab, 'admin', 'admin-pw', '/#/admin/login');
    await tab.waitForSelector('h1:has-text("Agents")');
    await tab.goto(`${mock.url}/#/admin/servers`);
    const broken = tab.locator('tr', { hasText: 'ws03.example.com' }).locator('.badge', { hasText: 'AGENT_UNREACHABLE' });
    await broken.waitFor({ timeout: 10_000 });
    expect(await tab.locator('tr', { hasText: 'ws01.example.com' }).locator('.badge', { hasText: 'Healthy' }).count()).toBe(1);
    expect(await broken.locator('xpath=..').getAttribute('title')).toContain('did not answer within 30000 ms');
    await tab.goto(`${mock.url}/#/`);
    await tab.waitForSelector('[data-testid="pool-workstations"] >> text=2 of 3 online');
    await tab.context().close();
  }, 20_000);
});

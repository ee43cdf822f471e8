import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { registrationBody } from '../helpers/agent-csr.ts';
import { startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, login } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { launchBrowser, newContext, requireChromium } from './browser.ts';
import { describeWith } from '../helpers/system-packages.ts';

/** The admin agents page denies every waiting registration in one step (after a flood), in Chromium. */
let director: DirectorHandle;
let browser: Browser;

describeWith(['chromium'], 'bulk agent actions in the admin page', () => {
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

  test('ok: "Deny all 3 waiting" removes every pending registration', async () => {
    for (let index = 0; index < 3; index++) {
      const response = await call(`${director.url}/v1/agent/register`, { method: 'POST', ca: director.caPem, json: await registrationBody(`bogus-${index}`) });
      expect(response.json.error.code).toBe('AGENT_PENDING');
    }
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${director.url}/#/admin/login`);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', TEST_USERS.admin!);
    await page.click('button[type=submit]');
    await page.locator('tr', { hasText: 'bogus-2' }).waitFor();
    await page.click('button:has-text("Deny all 3 waiting")');
    await page.click('dialog[open] button:has-text("Deny all 3 waiting")');
    await page.waitForSelector('text=3 denied.');
    const admin = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
    expect((await call(`${director.url}/v1/admin/agents?state=pending`, { ca: director.caPem, cookie: admin })).json.agents).toEqual([]);
    await page.context().close();
  }, 45_000);
});

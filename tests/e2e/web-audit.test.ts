import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, login } from '../helpers/https.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { launchBrowser, newContext, requireChromium, saveScreenshot, signInAs } from './browser.ts';

/**
 * The admin Audit log page in a real Chromium against a real director: it pages through the events
 * ("Older events" / "Newest events", the cursor in the address) and exports them as a CSV download.
 */
let director: DirectorHandle;
let browser: Browser;
let adminCookie: string;

const loginEvents = async () => (await call(`${director.url}/v1/admin/audit?type=login&limit=1000`, { ca: director.caPem, cookie: adminCookie })).json.events as { id: number; actor: string }[];
const rowCount = (page: Page) => page.locator('tbody tr').count();

describeWith(['chromium'], 'admin audit page in Chromium against the real director', () => {
  beforeAll(async () => {
    requireChromium();
    director = await startDirector();
    // Seven sign-ins of the admin and one of alice: eight login events to page through.
    for (let count = 0; count < 7; count++) adminCookie = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
    await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await director?.stop();
    cleanupTempDirs();
  });

  test('ok: pages through the events with Older / Newest, the page in the address, every event once', async () => {
    const page = await (await newContext(browser)).newPage();
    await signInAs(page, director.url, 'admin', TEST_USERS.admin!, '/#/admin/login');
    await page.waitForSelector('h1:has-text("Agents")');
    const expected = await loginEvents();
    await page.goto(`${director.url}/#/admin/audit?type=login&limit=3`);
    const seen: string[] = [];
    for (let pageNumber = 1; ; pageNumber++) {
      await page.waitForFunction((n) => document.querySelectorAll('tbody tr').length === n, Math.min(3, expected.length - seen.length));
      if (pageNumber === 1) expect(await page.locator('button:has-text("Newest events")').count()).toBe(0);
      seen.push(...(await page.locator('tbody tr td:nth-child(4)').allTextContents()));
      const older = page.locator('button:has-text("Older events")');
      if (!(await older.count())) break;
      const url = page.url();
      // The older page's own answer, not the page before's rows still on screen (they may read the same).
      const answered = page.waitForResponse((response) => response.url().includes('/v1/admin/audit?') && response.url().includes('before='));
      await older.click();
      await answered;
      await page.waitForFunction((before) => location.href !== before, url);
      expect(page.url()).toMatch(/[?&]before=\d+/);
      await page.locator('button:has-text("Newest events")').waitFor();
    }
    expect(seen).toEqual(expected.map((e) => e.actor));
    expect(seen.length).toBeGreaterThan(3);
    await saveScreenshot(page, 'admin-audit-last-page');
    await page.click('button:has-text("Newest events")');
    await page.waitForFunction(() => !location.href.includes('before='));
    expect(await rowCount(page)).toBe(3);
    await page.context().close();
  }, 30_000);

  test('ok: Export CSV downloads every event the filters match, whatever the page', async () => {
    const page = await (await newContext(browser)).newPage();
    await signInAs(page, director.url, 'admin', TEST_USERS.admin!, '/#/admin/login');
    await page.waitForSelector('h1:has-text("Agents")');
    const expected = await loginEvents();
    await page.goto(`${director.url}/#/admin/audit?type=login&limit=3`);
    await page.click('button:has-text("Older events")');
    await page.locator('button:has-text("Newest events")').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("Export CSV")')]);
    expect(download.suggestedFilename()).toBe(`dcvix-audit-${new Date().toISOString().slice(0, 10)}.csv`);
    const lines = readFileSync((await download.path())!, 'utf8').split('\r\n');
    expect(lines[0]).toBe('id,time,type,outcome,actor,target,client_address,backend,detail');
    const rows = lines.slice(1, -1);
    expect(rows.map((line) => Number(line.split(',')[0]))).toEqual(expected.map((e) => e.id));
    expect(rows.every((line) => line.split(',')[2] === 'login')).toBe(true);
    await page.context().close();
  }, 30_000);
});

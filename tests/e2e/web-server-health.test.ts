import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { freePort } from '../../scripts/lib/free-port.ts';
import { approveAgent, dcvSim, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call } from '../helpers/https.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';
import { launchBrowser, newContext, requireChromium, saveScreenshot } from './browser.ts';
import { describeWith } from '../helpers/system-packages.ts';

/**
 * The admin Servers page against a real director and agent: a server's health shows its reason and
 * since when, and after a director restart a server its agent has not updated yet is labelled as such
 * (the failed-create mark, stored before the restart, is still there).
 */
let director: DirectorHandle;
let agent: AgentHandle;
let browser: Browser;

describeWith(['chromium'], 'admin Servers page: health and stale servers', () => {
  beforeAll(async () => {
    requireChromium();
    const dir = tempDir('dcvix-web-health-');
    const port = await freePort();
    const start = () => startDirector({ dir, config: { director_port: port } });
    director = await start();
    // Updates only at start and after a session change: the stale window after the restart stays open.
    agent = await startAgent(director.url, { config: { hostname: 'ws-health', update_interval: '1h', idle_timeout: 0 } });
    const { adminCookie } = await approveAgent(director, agent);
    await dcvSim(agent, 'sim-fail', 'create-session=error');
    const response = await call(`${director.url}/v1/sessions`, { method: 'POST', ca: director.caPem, cookie: adminCookie, json: { serverId: 'ws-health', userId: 'alice', sessionType: 'virtual' } });
    expect([response.status, response.json.error.code]).toEqual([502, 'DCV_FAILED']);
    await director.stop();
    director = await start();
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await director?.stop();
    cleanupTempDirs();
  });

  test('ok: the unhealthy server shows its reason, message and since when, and "Not updated since restart"', async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${director.url}/#/admin/login`);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', TEST_USERS.admin!);
    await page.click('button[type=submit]');
    await page.click('a.tab:has-text("Servers")');
    const row = page.locator('tr', { hasText: 'ws-health' });
    await row.waitFor({ timeout: 15_000 });
    const health = row.locator('td').nth(2);
    await health.locator('text=DCV_FAILED').waitFor({ timeout: 10_000 });
    await saveScreenshot(page, 'admin-servers-health');
    // innerText, not textContent: what the user sees, without hidden text.
    // biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, not a DOM node
    const text = await health.innerText();
    expect(text).toContain('Not updated since restart');
    expect(text).toMatch(/since (just now|\d+ minutes? ago)/);
    // The full time is there for whoever wants it.
    expect(await health.locator('[title]', { hasText: /^since / }).getAttribute('title')).toMatch(/\d/);
    await page.context().close();
  }, 45_000);
});

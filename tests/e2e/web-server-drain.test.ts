import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { approveAgent, dcvArgvLog, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, login } from '../helpers/https.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { launchBrowser, newContext, requireChromium, saveScreenshot, signInAs } from './browser.ts';

/**
 * Maintenance on the admin Servers page against a real director and agent: Drain shows the host in
 * maintenance (who, why, its sessions) and the user's launcher says so and offers no Start there while
 * her running session can still be connected; Close sessions asks for a reason and closes hers on the
 * host; Open ends it.
 */
const POLICY = {
  users: { admins: ['admin'], users: { alice: { servers: ['ws-drain'], pools: ['workstations'] } }, groups: {} },
  pools: { pools: { workstations: { description: 'All workstations', servers: ['*'] } } },
};
let director: DirectorHandle;
let agent: AgentHandle;
let browser: Browser;
let sessionId: string;

async function adminOnServers(): Promise<Page> {
  const page = await (await newContext(browser)).newPage();
  await signInAs(page, director.url, 'admin', TEST_USERS.admin!, '/#/admin/login');
  await page.click('a.tab:has-text("Servers")');
  await page.locator('tbody tr', { hasText: 'ws-drain' }).waitFor({ timeout: 15_000 });
  return page;
}

describeWith(['chromium'], 'admin Servers page: drain, close sessions, open', () => {
  beforeAll(async () => {
    requireChromium();
    director = await startDirector({ policy: POLICY });
    agent = await startAgent(director.url, { config: { hostname: 'ws-drain', update_interval: '500ms', idle_timeout: 0 } });
    await approveAgent(director, agent);
    const alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
    const created = await call(`${director.url}/v1/user/sessions`, { method: 'POST', ca: director.caPem, cookie: alice, json: { serverId: 'ws-drain', sessionType: 'virtual' } });
    expect(created.status).toBe(200);
    sessionId = created.json.session.id;
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await director?.stop();
    cleanupTempDirs();
  });

  test('ok: Drain puts the host in maintenance with its reason; the launcher says so, offers no Start, and still connects the running session', async () => {
    const page = await adminOnServers();
    const row = page.locator('tbody tr', { hasText: 'ws-drain' });
    await row.locator('button:has-text("Drain")').click();
    await page.locator('dialog[open] :text("1 live session")').waitFor();
    await page.fill('dialog[open] input[name=reason]', 'kernel update');
    await page.click('dialog[open] button:has-text("Drain server")');
    await page.waitForSelector('.live :text("ws-drain is in maintenance")');
    const mark = row.locator('[data-testid="maintenance"]');
    await mark.waitFor();
    // biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, not a DOM node
    const text = await mark.innerText();
    expect(text).toContain('In maintenance');
    expect(text).toContain('by admin');
    expect(text).toContain('kernel update');
    expect(await row.locator('summary').textContent()).toBe('1 session');
    expect(await page.locator('.page-header .lead').textContent()).toContain('1 in maintenance');
    expect(await row.locator('button:has-text("Open")').count()).toBe(1);
    await saveScreenshot(page, 'admin-servers-drained');
    await page.context().close();

    const user = await (await newContext(browser)).newPage();
    await signInAs(user, director.url, 'alice', TEST_USERS.alice!);
    const card = user.locator('[data-testid="server-ws-drain"]');
    await card.locator('text=In maintenance').first().waitFor({ timeout: 10_000 });
    expect(await card.locator('button:has-text("Start")').count()).toBe(0);
    expect(await card.textContent()).toContain('Your running sessions here still work.');
    const pool = user.locator('[data-testid="pool-workstations"]');
    expect(await pool.locator('button:has-text("Start")').count()).toBe(0);
    expect(await pool.textContent()).toContain('Every server in this pool is in maintenance');
    await saveScreenshot(user, 'launcher-server-in-maintenance');
    await card.locator('button:has-text("Connect")').click();
    await user.locator('dialog[open]').waitFor();
    // biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, not a DOM node
    expect(await user.locator('dialog[open]').innerText()).toContain(sessionId);
    await user.context().close();
  }, 45_000);

  test('ok: Close sessions wants a reason, then closes every session on the host (dcv close-session <id>); Open ends the maintenance', async () => {
    const page = await adminOnServers();
    const row = page.locator('tbody tr', { hasText: 'ws-drain' });
    await row.locator('button:has-text("Close sessions")').click();
    await page.click('dialog[open] button:has-text("Close all sessions")');
    await page.locator('dialog[open] [role=alert]:has-text("Give a reason")').waitFor();
    expect(dcvArgvLog(agent).filter((argv) => argv[0] === 'close-session')).toEqual([]);
    await page.fill('dialog[open] input[name=reason]', 'host retired');
    await page.click('dialog[open] button:has-text("Close all sessions")');
    await page.waitForSelector('.live :text("1 session closed on ws-drain.")');
    expect(dcvArgvLog(agent).filter((argv) => argv[0] === 'close-session')).toEqual([['close-session', sessionId]]);
    await row.locator('td:has-text("None")').waitFor();

    await row.locator('button:has-text("Open")').click();
    await page.click('dialog[open] button:has-text("Open server")');
    await page.waitForSelector('.live :text("ws-drain takes new sessions again.")');
    await row.locator('[data-testid="maintenance"]').waitFor({ state: 'detached' });
    expect(await row.locator('button:has-text("Drain")').count()).toBe(1);
    await page.context().close();
  }, 45_000);
});

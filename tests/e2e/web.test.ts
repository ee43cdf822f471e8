import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { expireCertificateRecord } from '../helpers/agent-record.ts';
import { approveAgent, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { artifactsDir, launchBrowser, loadedImageSize, newContext, requireChromium, saveScreenshot } from './browser.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { parseDcvFile } from './dcv-file.ts';

/**
 * The web app in a real Chromium against a real director and agent (dcv simulator): an admin approves
 * the pending agent, a user starts a session on a pool and downloads the .dcv file. Without Chromium
 * this skips on a developer machine and fails in CI.
 */
let director: DirectorHandle;
let agent: AgentHandle;
let browser: Browser;
const cspViolations: string[] = [];

async function signIn(page: Page, user: string, opts: { admin?: boolean } = {}) {
  await page.goto(`${director.url}/#/${opts.admin ? 'admin/login' : 'login'}`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', TEST_USERS[user]!);
  await page.click('button[type=submit]');
}

async function openPage(width = 1200, height = 800): Promise<Page> {
  const page = await (await newContext(browser, { width, height })).newPage();
  page.on('console', (m) => /content security policy/i.test(m.text()) && cspViolations.push(m.text()));
  return page;
}

describeWith(['chromium'], 'web app in Chromium against the real director', () => {
  beforeAll(async () => {
    requireChromium();
    director = await startDirector({ config: { dcv_port: 8443 } });
    agent = await startAgent(director.url, { config: { hostname: 'ws-e2e', update_interval: '500ms' } });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await director?.stop();
    cleanupTempDirs();
  });

  test('ok: the director serves the app with its security headers', async () => {
    const response = await call(`${director.url}/`, { ca: director.caPem });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.text).toContain('/assets/main-');
  });

  test('ok: an admin approves the pending agent, which then shows as registered', async () => {
    await agent.proc.waitForMsg('registration pending approval', 30_000);
    const page = await openPage();
    await page.goto(`${director.url}/`);
    await page.click('text=Administrator sign-in');
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', TEST_USERS.admin!);
    await page.click('button[type=submit]');
    await page.waitForSelector('h1:has-text("Agents")');
    const row = page.locator('tr', { hasText: 'ws-e2e' });
    await row.waitFor();
    await saveScreenshot(page, 'admin-agents', { docs: true });
    await row.locator('button:has-text("Approve")').click();
    const guid = readFileSync(join(agent.dataDir, 'agent.guid'), 'utf8').trim();
    await expect(page.locator('dialog[open]').textContent()).resolves.toContain(guid);
    await page.click('dialog[open] button:has-text("Approve agent")');
    await page.waitForSelector('text=ws-e2e approved.');
    await page.click('a:has-text("Registered")');
    await page.locator('tr', { hasText: 'ws-e2e' }).waitFor();
    expect(await page.locator('tr', { hasText: 'ws-e2e' }).locator('button:has-text("Revoke")').count()).toBe(1);
    // The agent is approved for real: it gets its certificate and reports in.
    await agent.port();
    await page.click('a.tab:has-text("Servers")');
    await page.locator('tr', { hasText: 'ws-e2e' }).locator('text=Online').waitFor({ timeout: 15_000 });
    await page.context().close();
  }, 45_000);

  test('ok: a user sees only their pool, starts a session and downloads a .dcv file', async () => {
    const page = await openPage();
    await signIn(page, 'alice');
    await page.waitForSelector('h1:has-text("Your desktops")');
    const pool = page.locator('[data-testid="pool-workstations"]');
    await pool.locator('text=1 of 1 online').waitFor({ timeout: 15_000 });
    expect(await page.locator('h2:has-text("Servers")').count()).toBe(0);
    await pool.locator('button:has-text("Start session")').click();
    const download = page.locator('[data-testid=download-dcv]');
    await download.waitFor({ timeout: 20_000 });
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toMatch(/^ws-e2e-alice-[0-9a-f]+\.dcv$/);
    const text = readFileSync((await file.path())!, 'utf8');
    expect(text.split('\n')[0]).toBe('[version]');
    const dcv = parseDcvFile(text);
    expect(dcv.order).toEqual(['version', 'connect', 'options']);
    expect(dcv.version?.format).toBe('1.0');
    expect(dcv.connect).toMatchObject({ host: 'ws-e2e', port: '8443', user: 'alice' });
    expect(dcv.connect?.sessionid).toMatch(/^alice-[0-9a-f]+$/);
    expect(dcv.connect?.authtoken?.length).toBeGreaterThan(20);
    const sessionId = dcv.connect!.sessionid!;
    const web = await page.locator('[data-testid=open-web]').getAttribute('href');
    expect(web).toMatch(new RegExp(`^https://ws-e2e:8443/?\\?authToken=[^#]+#${sessionId}$`));
    expect(await page.locator('[data-testid=open-dcv-uri]').getAttribute('href')).toMatch(new RegExp(`^dcv://ws-e2e:8443/?\\?authToken=[^#]+#${sessionId}$`));
    await page.keyboard.press('Escape');
    await pool.locator('text=Your sessions').waitFor({ timeout: 10_000 });
    // Its thumbnail, through the director from the agent's (simulated) dcv get-screenshot.
    const shot = pool.locator(`img[alt="Screenshot of your virtual session ${sessionId}"]`);
    expect(await loadedImageSize(shot)).toEqual([160, 90]);
    await saveScreenshot(page, 'launcher', { docs: true });
    await page.context().close();
  }, 45_000);

  test('ok: a user with no grants sees a friendly empty state; the page fits a phone', async () => {
    const page = await openPage(390, 844);
    await signIn(page, 'bob');
    await page.waitForSelector('text=No desktops yet');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.context().close();
  }, 20_000);

  test('ok: without a session cookie the app goes back to the login page', async () => {
    const page = await openPage();
    await page.goto(`${director.url}/#/admin/servers`);
    await page.waitForSelector('h1:has-text("Administrator sign-in")');
    expect(page.url()).toContain('next=%2Fadmin%2Fservers');
    await page.context().close();
  }, 20_000);

  test('ok: revoking an agent that still hosts a session: the dialog names it, the session stays listed as orphaned', async () => {
    // A second host of its own, so the other tests keep ws-e2e.
    const other = await startAgent(director.url, { config: { hostname: 'ws-revoke', update_interval: '500ms' } });
    try {
      const { adminCookie, serverId } = await approveAgent(director, other);
      const created = await call(`${director.url}/v1/sessions`, { method: 'POST', ca: director.caPem, cookie: adminCookie, json: { serverId, userId: 'alice', sessionType: 'virtual' } });
      expect(created.status).toBe(200);
      await eventually(
        async () =>
          (await call(`${director.url}/v1/admin/agents`, { ca: director.caPem, cookie: adminCookie })).json.agents.find(
            (a: { hostname: string; sessionCount?: number }) => a.hostname === 'ws-revoke' && a.sessionCount === 1,
          ),
        15_000,
        'session counted',
      );
      const page = await openPage();
      await signIn(page, 'admin', { admin: true });
      await page.waitForSelector('h1:has-text("Agents")');
      await page.click('a:has-text("Registered")');
      await page.locator('tr', { hasText: 'ws-revoke' }).locator('button:has-text("Revoke")').click();
      await page.waitForSelector('dialog[open] :text("1 live session on this host will be shown as orphaned")');
      await page.click('dialog[open] button:has-text("Revoke agent")');
      await page.waitForSelector('text=ws-revoke revoked.', { timeout: 15_000 });
      await page.goto(`${director.url}/#/admin/sessions?state=orphaned`);
      await page.locator('tbody tr', { hasText: 'ws-revoke' }).locator('text=Orphaned').waitFor({ timeout: 10_000 });
      await page.context().close();
    } finally {
      await other.stop();
    }
  }, 60_000);

  test('ok: an agent that lost its certificate after it expired is back under Waiting for approval, labelled as returning', async () => {
    await agent.stop();
    rmSync(join(agent.dataDir, 'agent.crt'));
    expireCertificateRecord(director.dataDir, readFileSync(join(agent.dataDir, 'agent.guid'), 'utf8').trim());
    agent = await startAgent(director.url, { dir: agent.dir, config: { hostname: 'ws-e2e', update_interval: '500ms' } });
    await agent.proc.waitForMsg('registration pending approval', 30_000);
    const page = await openPage();
    await signIn(page, 'admin', { admin: true });
    await page.waitForSelector('h1:has-text("Agents")');
    const row = page.locator('tr', { hasText: 'ws-e2e' });
    await row.locator('text=returning: same key as before').waitFor({ timeout: 10_000 });
    expect(await row.locator('button:has-text("Approve")').count()).toBe(1);
    await page.context().close();
  }, 45_000);

  test('ok: no Content-Security-Policy violation on any page', () => {
    expect(cspViolations).toEqual([]);
    expect(artifactsDir()).toBeTruthy();
  });
});

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { hasChromium, launchBrowser, mustRun, newContext, requireChromium, saveScreenshot, signInAs } from './browser.ts';
import { startMockDirector, type MockDirector } from './mock-director.ts';

/**
 * The admin pages against the mock API, which follows the agreed wire shapes (server health,
 * sessionCount, 409 AGENT_HAS_SESSIONS, bulk "clear", orphaned / unmanaged sessions) where this
 * branch's director does not serve them yet.
 */
let mock: MockDirector;
let browser: Browser;

async function admin(width = 1280, path = '/#/admin/agents'): Promise<Page> {
  const p = await (await newContext(browser, { width, height: 900 })).newPage();
  await signInAs(p, mock.url, 'admin', 'admin-pw', '/#/admin/login');
  await p.waitForSelector('h1:has-text("Agents")');
  if (path !== '/#/admin/agents') await p.goto(`${mock.url}${path}`);
  return p;
}

const rowOf = (p: Page, text: string) => p.locator('tbody tr', { hasText: text });

describe.skipIf(!hasChromium && !mustRun)('admin pages (mock API)', () => {
  beforeAll(async () => {
    requireChromium();
    mock = startMockDirector();
    browser = await launchBrowser();
  }, 20_000);

  afterAll(async () => {
    await browser?.close();
    mock?.stop();
  });

  test('ok: the admin navigation counts agents waiting for approval; approving one clears the badge', async () => {
    const p = await admin();
    const badge = p.locator('.tabs [data-testid="pending-badge"]');
    await badge.waitFor();
    expect((await badge.textContent())!.replace(/\s+/g, ' ')).toBe('1, 1 waiting for approval');
    expect(await p.locator('.topbar [data-testid="pending-badge"]').count()).toBe(1);
    await rowOf(p, 'ws04.example.com').locator('button:has-text("Approve")').click();
    await p.click('dialog[open] button:has-text("Approve agent")');
    await p.waitForSelector('.live :text("ws04.example.com approved.")');
    await badge.waitFor({ state: 'detached' });
    expect(await p.evaluate(() => document.activeElement !== document.body)).toBe(true);
    await p.context().close();
  }, 20_000);

  test('ok: revoking an agent with live sessions: the dialog names the count and confirming forces it', async () => {
    const p = await admin(1280, '/#/admin/agents?state=registered');
    await rowOf(p, 'ws02.example.com').locator('button:has-text("Revoke")').click();
    await p.waitForSelector('dialog[open] :text("1 live session on this host will be shown as orphaned")');
    await p.click('dialog[open] button:has-text("Revoke agent")');
    await p.waitForSelector('.live :text("ws02.example.com revoked.")');
    expect(mock.state.bodies.filter((b) => b.path.endsWith('/revoke')).map((b) => b.body)).toEqual([{ force: true }]);
    await p.context().close();
  }, 20_000);

  test('ok: sessions the list did not know of yet: 409 AGENT_HAS_SESSIONS names the count, "Revoke anyway" forces it', async () => {
    mock.state.reportSessionCount = false; // the agent list is older than ws01's sessions
    mock.state.bodies = [];
    try {
      const p = await admin(1280, '/#/admin/agents?state=registered');
      await rowOf(p, 'ws01.example.com').locator('button:has-text("Revoke")').click();
      await p.click('dialog[open] button:has-text("Revoke agent")');
      const warning = p.locator('dialog[open] [data-testid="has-sessions"]');
      await warning.waitFor();
      expect(await warning.textContent()).toContain('ws01.example.com has 2 live sessions');
      await saveScreenshot(p, 'admin-revoke-with-sessions');
      await p.click('dialog[open] button:has-text("Revoke anyway")');
      await p.waitForSelector('.live :text("ws01.example.com revoked.")');
      expect(mock.state.bodies.filter((b) => b.path.endsWith('/revoke')).map((b) => b.body)).toEqual([null, { force: true }]);
      // Its sessions are now orphaned; the sessions page says so and filters on it.
      await p.goto(`${mock.url}/#/admin/sessions?state=orphaned`);
      await p.waitForSelector('tbody tr');
      expect(await p.locator('select[name=state]').inputValue()).toBe('orphaned');
      expect(await p.locator('tbody tr').count()).toBe(3); // ws01's two and ws02's one
      expect(await p.locator('tbody tr:has-text("Orphaned")').count()).toBe(3);
      await p.context().close();
    } finally {
      mock.state.reportSessionCount = true;
    }
  }, 20_000);

  test('ok: revoked agents can be cleared from the list, one (Clear) or all (bulk "clear")', async () => {
    mock.state.bodies = [];
    const p = await admin(1280, '/#/admin/agents?state=revoked');
    await rowOf(p, 'old-ws.example.com').locator('button:has-text("Clear")').click();
    await p.click('dialog[open] button:has-text("Clear from list")');
    await p.waitForSelector('.live :text("old-ws.example.com cleared from the list.")');
    expect(mock.state.bodies.at(-1)!.body).toEqual({ action: 'clear', guids: ['1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'] });
    const rest = await p.locator('tbody tr').count();
    await p.click(`button:has-text("Clear all ${rest} revoked")`);
    await p.click(`dialog[open] button:has-text("Clear all ${rest} revoked")`);
    await p.waitForSelector('text=No agent has been revoked.');
    expect((mock.state.bodies.at(-1)!.body as { guids: string[] }).guids.length).toBe(rest);
    await p.context().close();
  }, 20_000);

  test('ok: servers show health, their sessions, and memory in GiB', async () => {
    const p = await admin(1280, '/#/admin/servers');
    await p.waitForSelector('tbody tr');
    const ws02 = rowOf(p, 'ws02.example.com');
    expect(await ws02.textContent()).toContain('LICENSES_EXHAUSTED');
    expect(await ws02.textContent()).toContain('All DCV licences are in use');
    expect(await rowOf(p, 'ws03.example.com').textContent()).toContain('Not updated since restart');
    expect(await rowOf(p, 'ws01.example.com').textContent()).toContain('Healthy');
    const sessions = rowOf(p, 'ws01.example.com').locator('details.server-sessions');
    await sessions.locator('summary').click();
    expect(await sessions.textContent()).toContain('bob');
    const text = (await p.textContent('main'))!;
    expect(text).toContain('GiB');
    expect(text).not.toMatch(/\d GB\b/);
    await p.goto(`${mock.url}/#/`);
    await p.waitForSelector('.meter');
    expect((await p.textContent('main'))!).toMatch(/\d+(\.\d)? GiB of \d+ GiB/);
    await p.context().close();
  }, 20_000);

  test('ok: sessions filter by user, server, pool and state, kept in the address', async () => {
    const p = await admin(1280, '/#/admin/sessions');
    await p.waitForSelector('tbody tr');
    const rows = () => p.locator('tbody tr').count();
    const all = await rows();
    await p.selectOption('select[name=user]', 'bob');
    await p.waitForSelector(`text=1 of ${all} sessions shown`);
    expect(p.url()).toContain('user=bob');
    expect(await p.locator('tbody').textContent()).toContain('Unmanaged');
    await p.selectOption('select[name=user]', '');
    await p.selectOption('select[name=pool]', 'workstations');
    expect(await rows()).toBe(2);
    await p.selectOption('select[name=server]', 'ws02.example.com');
    expect(await rows()).toBe(1);
    await p.selectOption('select[name=state]', 'unmanaged');
    await p.waitForSelector('text=No session matches these filters.');
    await p.click('button:has-text("Clear filters")');
    expect(await rows()).toBe(all);
    await p.context().close();
  }, 20_000);

  test('ok: at 375 px the admin tab bar fits, every tab is in view and works', async () => {
    const p = await admin(375);
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    // Every tab wholly inside the screen, none hidden in a sideways scroll.
    const boxes = await p.locator('.tabs a, .topbar .nav a').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => [r.left, r.right]));
    for (const [left, right] of boxes) expect(left! >= 0 && right! <= 375).toBe(true);
    for (const [tab, heading] of [['Audit log', 'Audit log'], ['Sessions', 'Sessions'], ['Policy', 'Access policy'], ['Servers', 'Servers']]) {
      await p.click(`.tabs a:has-text("${tab}")`);
      await p.waitForSelector(`h1:has-text("${heading}")`);
      expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    }
    await saveScreenshot(p, 'admin-tabs-375');
    await p.context().close();
  }, 20_000);
});

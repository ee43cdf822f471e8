import { expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { loadedImageSize, newContext, saveScreenshot, signInAs } from './browser.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { type MockDirector, withMockDirectorAndBrowser } from './mock-director.ts';

/**
 * The admin pages against the mock API, which follows the agreed wire shapes (server health,
 * sessionCount, 409 AGENT_HAS_SESSIONS, bulk "clear", orphaned / unmanaged sessions) where this
 * branch's director does not serve them yet.
 */
let mock: MockDirector;
let browser: Browser;

async function admin(width = 1280, path = '/#/admin/agents'): Promise<Page> {
  const page = await (await newContext(browser, { width, height: 900 })).newPage();
  await signInAs(page, mock.url, 'admin', 'admin-pw', '/#/admin/login');
  await page.waitForSelector('h1:has-text("Agents")');
  if (path !== '/#/admin/agents') await page.goto(`${mock.url}${path}`);
  return page;
}

const rowOf = (p: Page, text: string) => p.locator('tbody tr', { hasText: text });

describeWith(['chromium'], 'admin pages (mock API)', () => {
  withMockDirectorAndBrowser((startedMock, startedBrowser) => {
    mock = startedMock;
    browser = startedBrowser;
  });

  test("ok: the sessions page shows each session's screenshot from the admin route, loaded lazily, with an alt text", async () => {
    const page = await admin(1280, '/#/admin/sessions');
    const shot = rowOf(page, 'bob-3f2e').locator('img.thumbnail');
    await shot.waitFor();
    expect([await shot.getAttribute('alt'), await shot.getAttribute('loading'), await shot.getAttribute('src')]).toEqual([
      "Screenshot of bob's session bob-3f2e",
      'lazy',
      '/v1/sessions/bob-3f2e/screenshot',
    ]);
    expect(await loadedImageSize(shot)).toEqual([160, 90]);
    expect(mock.state.calls).toContainEqual({ method: 'GET', path: '/v1/sessions/bob-3f2e/screenshot' });
    expect(await page.locator('tbody img.thumbnail').count()).toBe(await page.locator('tbody tr').count());
    await page.context().close();
  }, 20_000);

  test('ok: the admin navigation counts agents waiting for approval; approving one clears the badge', async () => {
    const page = await admin();
    const badge = page.locator('.tabs [data-testid="pending-badge"]');
    await badge.waitFor();
    expect((await badge.textContent())!.replace(/\s+/g, ' ')).toBe('1, 1 waiting for approval');
    expect(await page.locator('.topbar [data-testid="pending-badge"]').count()).toBe(1);
    await rowOf(page, 'ws04.example.com').locator('button:has-text("Approve")').click();
    await page.click('dialog[open] button:has-text("Approve agent")');
    await page.waitForSelector('.live :text("ws04.example.com approved.")');
    await badge.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement !== document.body)).toBe(true);
    await page.context().close();
  }, 20_000);

  test('ok: revoking an agent with live sessions: the dialog names the count and confirming forces it', async () => {
    const page = await admin(1280, '/#/admin/agents?state=registered');
    await rowOf(page, 'ws02.example.com').locator('button:has-text("Revoke")').click();
    await page.waitForSelector('dialog[open] :text("1 live session on this host will be shown as orphaned")');
    await page.click('dialog[open] button:has-text("Revoke agent")');
    await page.waitForSelector('.live :text("ws02.example.com revoked.")');
    expect(mock.state.bodies.filter((b) => b.path.endsWith('/revoke')).map((b) => b.body)).toEqual([{ force: true }]);
    await page.context().close();
  }, 20_000);

  test('ok: sessions the list did not know of yet: 409 AGENT_HAS_SESSIONS names the count, "Revoke anyway" forces it', async () => {
    mock.state.reportSessionCount = false; // the agent list is older than ws01's sessions
    mock.state.bodies = [];
    try {
      const adminPage = await admin(1280, '/#/admin/agents?state=registered');
      await rowOf(adminPage, 'ws01.example.com').locator('button:has-text("Revoke")').click();
      await adminPage.click('dialog[open] button:has-text("Revoke agent")');
      const warning = adminPage.locator('dialog[open] [data-testid="has-sessions"]');
      await warning.waitFor();
      expect(await warning.textContent()).toContain('ws01.example.com has 2 live sessions');
      await saveScreenshot(adminPage, 'admin-revoke-with-sessions');
      await adminPage.click('dialog[open] button:has-text("Revoke anyway")');
      await adminPage.waitForSelector('.live :text("ws01.example.com revoked.")');
      expect(mock.state.bodies.filter((b) => b.path.endsWith('/revoke')).map((b) => b.body)).toEqual([null, { force: true }]);
      // Its sessions are now orphaned; the sessions page says so and filters on it.
      await adminPage.goto(`${mock.url}/#/admin/sessions?state=orphaned`);
      await adminPage.waitForSelector('tbody tr');
      expect(await adminPage.locator('select[name=state]').inputValue()).toBe('orphaned');
      expect(await adminPage.locator('tbody tr').count()).toBe(3); // ws01's two and ws02's one
      expect(await adminPage.locator('tbody tr:has-text("Orphaned")').count()).toBe(3);
      await adminPage.context().close();
    } finally {
      mock.state.reportSessionCount = true;
    }
  }, 20_000);

  test('ok: revoked agents can be cleared from the list, one (Clear) or all (bulk "clear")', async () => {
    mock.state.bodies = [];
    const page = await admin(1280, '/#/admin/agents?state=revoked');
    await rowOf(page, 'old-ws.example.com').locator('button:has-text("Clear")').click();
    await page.click('dialog[open] button:has-text("Clear from list")');
    await page.waitForSelector('.live :text("old-ws.example.com cleared from the list.")');
    expect(mock.state.bodies.at(-1)!.body).toEqual({ action: 'clear', guids: ['1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'] });
    const rest = await page.locator('tbody tr').count();
    await page.click(`button:has-text("Clear all ${rest} revoked")`);
    await page.click(`dialog[open] button:has-text("Clear all ${rest} revoked")`);
    await page.waitForSelector('text=No agent has been revoked.');
    expect((mock.state.bodies.at(-1)!.body as { guids: string[] }).guids.length).toBe(rest);
    await page.context().close();
  }, 20_000);

  test('ok: servers show health, their sessions, and memory in GiB', async () => {
    const page = await admin(1280, '/#/admin/servers');
    await page.waitForSelector('tbody tr');
    const ws02 = rowOf(page, 'ws02.example.com');
    expect(await ws02.textContent()).toContain('LICENSES_EXHAUSTED');
    expect(await ws02.textContent()).toContain('All DCV licences are in use');
    expect(await rowOf(page, 'ws03.example.com').textContent()).toContain('Not updated since restart');
    expect(await rowOf(page, 'ws01.example.com').textContent()).toContain('Healthy');
    expect(await rowOf(page, 'ws01.example.com').textContent()).toContain('NVIDIA A10G18 GiB free of 24 GiB · 35%');
    const sessions = rowOf(page, 'ws01.example.com').locator('details.server-sessions');
    await sessions.locator('summary').click();
    expect(await sessions.textContent()).toContain('bob');
    const text = (await page.textContent('main'))!;
    expect(text).toContain('GiB');
    expect(text).not.toMatch(/\d GB\b/);
    await page.goto(`${mock.url}/#/`);
    await page.waitForSelector('.meter');
    expect((await page.textContent('main'))!).toMatch(/\d+(\.\d)? GiB of \d+ GiB/);
    await page.context().close();
  }, 20_000);

  test('ok: sessions filter by user, server, pool and state, kept in the address', async () => {
    const page = await admin(1280, '/#/admin/sessions');
    await page.waitForSelector('tbody tr');
    const rows = () => page.locator('tbody tr').count();
    const all = await rows();
    await page.selectOption('select[name=user]', 'bob');
    await page.waitForSelector(`text=1 of ${all} sessions shown`);
    expect(page.url()).toContain('user=bob');
    expect(await page.locator('tbody').textContent()).toContain('Unmanaged');
    await page.selectOption('select[name=user]', '');
    await page.selectOption('select[name=pool]', 'workstations');
    expect(await rows()).toBe(2);
    await page.selectOption('select[name=server]', 'ws02.example.com');
    expect(await rows()).toBe(1);
    await page.selectOption('select[name=state]', 'unmanaged');
    await page.waitForSelector('text=No session matches these filters.');
    await page.click('button:has-text("Clear filters")');
    expect(await rows()).toBe(all);
    await page.context().close();
  }, 20_000);

  test('ok: at 375 px the admin tab bar fits, every tab is in view and works', async () => {
    const page = await admin(375);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    // Every tab wholly inside the screen, none hidden in a sideways scroll.
    const boxes = await page.locator('.tabs a, .topbar .nav a').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => [r.left, r.right]));
    for (const [left, right] of boxes) expect(left! >= 0 && right! <= 375).toBe(true);
    for (const [tab, heading] of [
      ['Audit log', 'Audit log'],
      ['Sessions', 'Sessions'],
      ['Policy', 'Access policy'],
      ['Servers', 'Servers'],
    ]) {
      await page.click(`.tabs a:has-text("${tab}")`);
      await page.waitForSelector(`h1:has-text("${heading}")`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    }
    await saveScreenshot(page, 'admin-tabs-375');
    await page.context().close();
  }, 20_000);
});

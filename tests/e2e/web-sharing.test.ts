import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { approveAgent, dcvPermissionsLog, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, login } from '../helpers/https.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { axeViolations, describeViolations, launchBrowser, newContext, requireChromium, saveScreenshot, signInAs } from './browser.ts';

/**
 * Session sharing in a real Chromium against a real director and agent (dcv simulator): alice shares
 * her session with bob from its card, bob finds it under "Shared with you" and connects with a token
 * of his own, alice takes the share back and his token no longer passes the DCV verifier.
 */
const POLICY = {
  users: {
    admins: ['admin'],
    users: { alice: { servers: [], pools: ['workstations'] }, bob: { servers: [], pools: ['workstations'] }, carol: { servers: [], pools: [] } },
    groups: {},
  },
  pools: { pools: { workstations: { description: 'All workstations', servers: ['*'] } } },
};

let director: DirectorHandle;
let agent: AgentHandle;
let browser: Browser;
let sessionId = '';

const verify = async (token: string) =>
  (await call(`${director.url}/v1/user/authtokenverify`, { ca: director.caPem, method: 'POST', body: new URLSearchParams({ sessionId, authenticationToken: token }) })).text;

async function signedIn(user: string): Promise<Page> {
  const page = await (await newContext(browser, { width: 1200, height: 900 })).newPage();
  await signInAs(page, director.url, user, TEST_USERS[user]!);
  await page.waitForSelector('h1:has-text("Your desktops")');
  return page;
}

describeWith(['chromium'], 'sharing a session in the launcher (real director)', () => {
  beforeAll(async () => {
    requireChromium();
    director = await startDirector({ config: { dcv_port: 8443 }, policy: POLICY });
    agent = await startAgent(director.url, { config: { hostname: 'ws-share-ui', update_interval: '500ms' } });
    await approveAgent(director, agent);
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await director?.stop();
    cleanupTempDirs();
  });

  test('ok: the owner shares from the session card; a user the policy keeps off the server is refused in words', async () => {
    const page = await signedIn('alice');
    const pool = page.locator('[data-testid="pool-workstations"]');
    await pool.locator('text=1 of 1 online').waitFor({ timeout: 15_000 });
    await pool.locator('button:has-text("Start session")').click();
    await page.waitForSelector('dialog[open] h2:has-text("Your session is ready")', { timeout: 20_000 });
    sessionId = (await page.locator('dialog[open] .dialog-lead code').textContent())!;
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('dialog[open]'));

    await pool.locator(`button[aria-label="Share session ${sessionId}"]`).click();
    await page.waitForSelector('dialog[open] h2:has-text("Share this session")');
    await page.fill('dialog[open] input[name=user]', 'carol');
    await page.click('dialog[open] button[type=submit]');
    await page.waitForSelector('dialog[open] [role=alert]:has-text("That user may not use this server")');
    await page.fill('dialog[open] input[name=user]', 'bob');
    await page.selectOption('dialog[open] select[name=role]', 'viewer');
    await page.click('dialog[open] button[type=submit]');
    await page.waitForSelector('dialog[open] [role=status]:has-text("Shared with bob as viewer.")');
    await page.locator('dialog[open] [data-testid=share-list] li', { hasText: 'bob' }).waitFor();
    await saveScreenshot(page, 'share-dialog');
    expect(describeViolations(await axeViolations(page))).toEqual([]);
    expect(dcvPermissionsLog(agent).at(-1)).toMatchObject({ command: 'set-permissions', session: sessionId, text: '[groups]\n[aliases]\n[permissions]\n%owner% allow builtin\nbob allow display\n' });
    await page.keyboard.press('Escape');
    await pool.locator('[data-testid=shared-with]:has-text("Shared with bob (viewer)")').waitFor();
    await page.context().close();
  }, 60_000);

  test('ok: the invitee sees the shared session and connects with a token of his own', async () => {
    const page = await signedIn('bob');
    const shared = page.locator('[data-testid=shared-with-you]');
    await shared.locator('text=alice’s virtual session').waitFor({ timeout: 10_000 });
    await shared.locator('button:has-text("Connect")').click();
    await page.waitForSelector('dialog[open] h2:has-text("alice’s shared session")');
    const web = (await page.locator('[data-testid=open-web]').getAttribute('href', { timeout: 10_000 }))!;
    expect(web).toEndWith(`#${sessionId}`);
    const token = decodeURIComponent(new URL(web).searchParams.get('authToken')!);
    expect(await verify(token)).toBe('<auth result="yes"><username>bob</username></auth>');
    // Only the owner may end it: bob's list of his own sessions is empty.
    expect(await page.locator(`button[aria-label="End session ${sessionId}"]`).count()).toBe(0);
    await saveScreenshot(page, 'shared-with-you');
    await page.keyboard.press('Escape');
    expect(describeViolations(await axeViolations(page))).toEqual([]);
    await page.context().close();
  }, 40_000);

  test('ok: the owner stops sharing: the invitee no longer sees it and his token is refused', async () => {
    const bobCookie = await login(director.url, director.caPem, 'bob', TEST_USERS.bob!);
    const fresh = (await call(`${director.url}/v1/user/sessions/${sessionId}/connection`, { ca: director.caPem, cookie: bobCookie })).json.authToken as string;
    const page = await signedIn('alice');
    const pool = page.locator('[data-testid="pool-workstations"]');
    await pool.locator(`button[aria-label="Share session ${sessionId}"]`).click();
    await page.click('dialog[open] button[aria-label="Stop sharing with bob"]');
    await page.waitForSelector('dialog[open] [role=status]:has-text("bob can no longer connect.")');
    await page.waitForSelector('dialog[open] :text("Nobody else can connect to this session yet.")');
    expect(dcvPermissionsLog(agent).at(-1)!.text).toBe('[groups]\n[aliases]\n[permissions]\n%owner% allow builtin\n');
    expect(await verify(fresh)).toStartWith('<auth result="no"');
    await page.context().close();

    const bob = await signedIn('bob');
    await bob.locator('[data-testid="pool-workstations"]').waitFor();
    expect(await bob.locator('[data-testid=shared-with-you]').count()).toBe(0);
    await bob.context().close();
  }, 40_000);
});

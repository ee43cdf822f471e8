import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_POLICY, startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, login } from '../helpers/https.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { adminPage, axeViolations, describeViolations, launchBrowser, requireChromium, saveScreenshot } from './browser.ts';

/**
 * Editing the policy in a real Chromium against a real director: an edit saved is the next version
 * (shown with who saved it, in force at once); an edit started from a version someone else replaced
 * is refused with a clear message and the newest version can be loaded; an invalid edit is refused
 * naming the file and the key; explain answers for a group name with a space.
 */
let director: DirectorHandle;
let browser: Browser;
let adminCookie: string;
const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, cookie: adminCookie, ...init });
const usersWith = (extra: Record<string, unknown>) => ({ ...DEFAULT_POLICY.users, ...extra });

async function policyPage(width = 1280): Promise<Page> {
  const page = await adminPage(browser, director.url, TEST_USERS.admin!, width);
  await page.click('.tabs a:has-text("Policy")');
  await page.waitForSelector('h1:has-text("Access policy")');
  return page;
}

/** Replaces one document's text in the editor. */
const edit = (page: Page, doc: 'users' | 'pools', value: unknown) => page.fill(`textarea[name=${doc}]`, typeof value === 'string' ? value : JSON.stringify(value, null, 2));

describeWith(['chromium'], 'editing the policy in the web app (real director)', () => {
  beforeAll(async () => {
    requireChromium();
    director = await startDirector();
    adminCookie = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await director?.stop();
    cleanupTempDirs();
  });

  test('ok: an edit saved is version 2, shown with who saved it, and in force at once', async () => {
    const page = await policyPage();
    expect(await page.textContent('[data-testid="policy-version"]')).toContain('1, saved by start-up');
    await edit(page, 'users', usersWith({ users: { ...DEFAULT_POLICY.users.users, bob: { servers: [], pools: ['workstations'] } } }));
    await page.click('button:has-text("Save as a new version")');
    await page.waitForSelector('.live :text("Saved as version 2. It is in force on every director.")');
    await page.locator('[data-testid="policy-version"]', { hasText: '2, saved by admin' }).waitFor();
    expect(await page.locator('table:has(caption:text("Versions")) tbody tr').count()).toBe(2);
    const bob = await login(director.url, director.caPem, 'bob', TEST_USERS.bob!);
    expect((await call(`${director.url}/v1/user/servers`, { ca: director.caPem, cookie: bob })).json.pools.map((pool: { id: string }) => pool.id)).toEqual(['workstations']);
    expect(describeViolations(await axeViolations(page))).toEqual([]);
    await saveScreenshot(page, 'admin-policy-saved');
    await page.context().close();
  }, 60_000);

  test('rejects: an edit of a version someone else replaced is refused with a clear message; the newest version loads', async () => {
    const page = await policyPage();
    await page.locator('[data-testid="policy-version"]', { hasText: '2, saved by admin' }).waitFor();
    await edit(page, 'users', usersWith({ admins: ['admin', 'bob'] }));
    // Meanwhile another admin saves version 3 through the API.
    const other = await api('/v1/admin/policy', { method: 'PUT', json: { version: 2, users: usersWith({ admins: ['admin', 'carol'] }), pools: DEFAULT_POLICY.pools } });
    expect(other.status).toBe(200);
    await page.click('button:has-text("Save as a new version")');
    const conflict = page.locator('[data-testid="policy-conflict"]');
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain('Not saved: someone else saved the policy first');
    expect(await conflict.textContent()).toContain('changed since you loaded version 2 (version 3, saved by admin at');
    await saveScreenshot(page, 'admin-policy-conflict');
    await conflict.locator('button:has-text("Load the newest version")').click();
    await conflict.waitFor({ state: 'detached' });
    expect(await page.textContent('.policy-editor')).toContain('Editing version 3.');
    expect(JSON.parse(await page.inputValue('textarea[name=users]')).admins).toEqual(['admin', 'carol']);
    expect((await api('/v1/admin/policy')).json.status.version.version).toBe(3);
    await page.context().close();
  }, 60_000);

  test('rejects: an invalid edit is refused naming the file and the key; text that is not JSON is caught before saving', async () => {
    const page = await policyPage(375);
    await page.locator('[data-testid="policy-version"]', { hasText: '3, saved by admin' }).waitFor();
    await edit(page, 'pools', { pools: { workstations: { servers: ['*'], max_sessions_per_user: 0 } } });
    await page.click('button:has-text("Save as a new version")');
    const problem = page.locator('[data-testid="pools-problem"]');
    await problem.waitFor();
    expect(await problem.textContent()).toBe('pools.json: pools.workstations.max_sessions_per_user must be a whole number from 1 to 1000');
    expect(await page.getAttribute('textarea[name=pools]', 'aria-invalid')).toBe('true');
    await edit(page, 'users', '{ "admins": [ ');
    expect(await page.textContent('[data-testid="users-problem"]')).toStartWith('users.json is not valid JSON');
    expect(await page.isDisabled('button:has-text("Save as a new version")')).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await saveScreenshot(page, 'admin-policy-invalid-375');
    expect((await api('/v1/admin/policy')).json.status.version.version).toBe(3);
    const refused = await api('/v1/admin/audit?type=policy.update&outcome=failure');
    expect(refused.json.events.map((event: { detail: string }) => event.detail)).toEqual([
      expect.stringContaining('pools.workstations.max_sessions_per_user'),
      expect.stringContaining('changed since you loaded version 2'),
    ]);
    await page.context().close();
  }, 60_000);

  test('ok: explain says which entry grants a server, for groups typed one a line (a name with a space)', async () => {
    const users = usersWith({ admins: ['admin', 'carol'], groups: { 'Domain Users': { servers: ['ws-9'], pools: [] } } });
    expect((await api('/v1/admin/policy', { method: 'PUT', json: { version: 3, users, pools: DEFAULT_POLICY.pools } })).status).toBe(200);
    const page = await policyPage();
    await page.fill('input[name=explain-user]', 'dora');
    await page.fill('input[name=explain-target]', 'ws-9');
    await page.fill('textarea[name=explain-groups]', 'Domain Users\nDomain Admins');
    await page.click('button:has-text("Explain")');
    const result = page.locator('[data-testid="explain-result"]');
    await result.waitFor();
    const text = (await result.textContent())!.replace(/\s+/g, ' ');
    expect(text).toContain('Granted: dora may use server ws-9 under policy version 4.');
    expect(text).toContain('group Domain Users: its servers list holds ws-9');
    expect(text).toContain('Groups weighed: Domain Users; Domain Admins (as given)');
    expect(text).toContain('group Domain Admins has no entry in users.json');
    await page.selectOption('select[name=explain-kind]', 'pool');
    await page.fill('input[name=explain-target]', 'workstations');
    await page.click('button:has-text("Explain")');
    await result.locator('text=Not granted: dora may not use pool workstations').waitFor();
    expect(await result.textContent()).toContain('No entry of users.json grants it.');
    expect(describeViolations(await axeViolations(page))).toEqual([]);
    await saveScreenshot(page, 'admin-policy-explain');
    await page.context().close();
  }, 60_000);
});

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { adminPage, axeViolations, describeViolations, launchBrowser, requireChromium, saveScreenshot } from './browser.ts';

/**
 * The join-token page in a real Chromium against a real director: an admin creates a token (its secret
 * shown once), an agent started with that token is registered without approval, the page counts the
 * use, and the admin revokes the token there.
 */
let director: DirectorHandle;
let agent: AgentHandle | undefined;
let browser: Browser;

const signedInAdmin = (width?: number): Promise<Page> => adminPage(browser, director.url, TEST_USERS.admin!, width);

describeWith(['chromium'], 'join tokens in the web app (real director)', () => {
  beforeAll(async () => {
    requireChromium();
    director = await startDirector();
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await director?.stop();
    cleanupTempDirs();
  });

  test('ok: an admin creates a token and sees its secret once; an agent with it is registered without approval; the admin revokes it', async () => {
    const page = await signedInAdmin();
    await page.click('.tabs a:has-text("Join tokens")');
    await page.waitForSelector('h1:has-text("Join tokens")');
    await page.waitForSelector('text=No join token yet.');
    await page.fill('input[name=uses]', '2');
    await page.selectOption('select[name=expiresIn]', '3600');
    await page.fill('input[name=hostnamePattern]', 'jt-web-*');
    await page.click('button:has-text("Create join token")');
    const secret = (await page.locator('[data-testid="join-token-secret"]').textContent())!.trim();
    expect(secret).toMatch(/^dcvix-join_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const id = secret.split('_')[1]!;
    const row = page.locator('tbody tr', { hasText: id });
    expect(await row.textContent()).toContain('0 of 2');
    expect(await row.textContent()).toContain('jt-web-*');
    expect(await row.textContent()).toContain('Active');
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: director.url });
    await page.click('button:has-text("Copy token")');
    await page.waitForSelector('button:has-text("Copied")');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await saveScreenshot(page, 'admin-join-token-created');
    expect(describeViolations(await axeViolations(page))).toEqual([]);

    agent = await startAgent(director.url, { config: { hostname: 'jt-web-1', join_token: secret } });
    await agent.proc.waitForMsg('registered with the director', 30_000);
    expect(agent.proc.count('registration pending approval')).toBe(0);
    const admin = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
    const guid = readFileSync(join(agent.dataDir, 'agent.guid'), 'utf8').trim();
    const registered = await call(`${director.url}/v1/admin/agents?state=registered`, { ca: director.caPem, cookie: admin });
    expect(registered.json.agents.map((a: { guid: string; approvedBy: string }) => [a.guid, a.approvedBy])).toEqual([[guid, `join token ${id}`]]);

    // Hidden on "Done" and gone for good after a reload: the director never sends the secret again.
    await page.click('button:has-text("Done, hide it")');
    await page.reload();
    await page.locator('tbody tr', { hasText: id }).locator('text=1 of 2').waitFor({ timeout: 10_000 });
    expect(await page.textContent('body')).not.toContain(secret.slice(-43));

    await page.locator('tbody tr', { hasText: id }).locator('button:has-text("Revoke")').click();
    await page.waitForSelector('dialog[open] :text("It admitted 1 of 2 agents")');
    await page.click('dialog[open] button:has-text("Revoke token")');
    await page.waitForSelector(`.live :text("Join token ${id} revoked.")`);
    await page.locator('tbody tr', { hasText: id }).locator('text=Revoked').waitFor();
    const listed = await call(`${director.url}/v1/admin/join-tokens`, { ca: director.caPem, cookie: admin });
    expect(listed.json.joinTokens).toEqual([expect.objectContaining({ id, state: 'revoked', revokedBy: 'admin', used: 1 })]);
    await eventually(async () => (await call(`${director.url}/v1/admin/audit?type=join-token.revoke`, { ca: director.caPem, cookie: admin })).json.events.length === 1, 10_000, 'revoke audited');
    await page.context().close();
  }, 60_000);

  test('ok: at 375 px the page fits and its tab is in view; a bad pattern is refused with the reason', async () => {
    const page = await signedInAdmin(375);
    await page.click('.tabs a:has-text("Join tokens")');
    await page.waitForSelector('h1:has-text("Join tokens")');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.fill('input[name=hostnamePattern]', '!gpu-*');
    await page.click('button:has-text("Create join token")');
    await page.waitForSelector('text=The join token was not created');
    expect(await page.textContent('.note-error')).toContain('with * for any run of characters');
    expect(await page.locator('[data-testid="join-token-secret"]').count()).toBe(0);
    await saveScreenshot(page, 'admin-join-tokens-375');
    await page.context().close();
  }, 30_000);
});

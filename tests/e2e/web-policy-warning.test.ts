import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { otherPolicyDirector } from '../helpers/other-policy-director.ts';
import { startPostgres, type Postgres } from '../helpers/postgres.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { axeViolations, describeViolations, launchBrowser, newContext, requireChromium, saveScreenshot, signInAs } from './browser.ts';
import { describeWith } from '../helpers/system-packages.ts';

/**
 * Directors on one PostgreSQL, one of them running another policy (a release that reads only its
 * policy files, standing in as its heartbeat row): the admin pages warn, in Chromium.
 */
let pg: Postgres;
let directorA: DirectorHandle;
let directorB: DirectorHandle;
let browser: Browser;
let other: Awaited<ReturnType<typeof otherPolicyDirector>> | undefined;

describeWith(['chromium'], 'policy warning on the admin pages', () => {
  beforeAll(async () => {
    requireChromium();
    pg = await startPostgres();
    const config = { store_url: pg.urlWithoutPassword, token_key: '5a'.repeat(32) };
    const env = { DCVIX_STORE_PASSWORD: pg.password, DCVIX_STORE_CA_KEY: '6b'.repeat(32) };
    directorA = await startDirector({ config, env });
    directorB = await startDirector({ config, env });
    other = await otherPolicyDirector(pg.url);
    browser = await launchBrowser();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await other?.stop();
    await Promise.all([directorA?.stop(), directorB?.stop()]);
    await pg?.stop();
    cleanupTempDirs();
  });

  test('ok: a banner names every director while their policies differ, and is gone once they agree', async () => {
    const admin = await login(directorA.url, directorA.caPem, 'admin', TEST_USERS.admin!, 'admin');
    await eventually(async () => (await call(`${directorA.url}/v1/admin/directors`, { ca: directorA.caPem, cookie: admin })).json.policyConsistent === false, 10_000, 'the split seen by the API');
    const page = await (await newContext(browser)).newPage();
    await signInAs(page, directorA.url, 'admin', TEST_USERS.admin!, '/#/admin/login');
    const banner = page.locator('[role=alert]', { hasText: 'Directors disagree on the policy' });
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.textContent()).toContain('different policies');
    expect(await banner.locator('code').count()).toBe(3);
    expect(await banner.textContent()).toContain('old-release:8445: 0f0f0f0f0f0f');
    expect(await banner.textContent()).toContain('(this one)');
    // Other admin pages carry it too, and it passes axe there.
    await page.click('a.tab:has-text("Servers")');
    await banner.waitFor();
    expect(describeViolations(await axeViolations(page))).toEqual([]);
    await saveScreenshot(page, 'admin-policy-warning');

    await other?.stop();
    other = undefined;
    await eventually(async () => (await call(`${directorA.url}/v1/admin/directors`, { ca: directorA.caPem, cookie: admin })).json.policyConsistent === true, 10_000, 'agreement seen by the API');
    await page.reload();
    await page.locator('a.tab:has-text("Servers")').waitFor();
    await page.waitForTimeout(1000);
    expect(await banner.count()).toBe(0);
    await page.context().close();
  }, 60_000);
});

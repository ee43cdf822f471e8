import { afterAll, beforeAll, expect, test } from 'bun:test';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { freePort } from '../helpers/hostile.ts';
import { call, login } from '../helpers/https.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';
import { axeViolations, describeViolations, launchBrowser, newContext, requireChromium } from './browser.ts';

/**
 * Passkeys in Chromium with its virtual authenticator (DevTools WebAuthn domain) against a real
 * director reached as https://localhost:PORT (public_url; the relying-party id is "localhost"). A
 * one-time code is required (an external command accepting 123456), so a passkey stands in for it;
 * passwordless sign-in is allowed too. Header sign-in is on for 127.0.0.1, where a browser context
 * sending X-Forwarded-User plays the authenticating proxy.
 */
interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

let director: DirectorHandle;
let browser: Browser;
let page: Page;
let cdp: CDPSession;
let authenticatorId = '';
let base = '';

async function newAuthenticator(credentials: VirtualCredential[] = []): Promise<void> {
  if (authenticatorId) await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
  ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  }));
  for (const credential of credentials) await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
}
const storedCredentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as VirtualCredential[];

async function passwordStep(user = 'alice') {
  await page.goto('about:blank');
  await page.goto(`${base}/#/login?reason=signed-out`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', TEST_USERS[user]!);
  await page.click('button[type=submit]');
}
const signOut = async () => {
  await page.click('button:has-text("Sign out")');
  await page.waitForSelector('input[name=username]');
};
const launcher = () => page.waitForSelector('h1:has-text("Your desktops")');
async function passwordless(): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${base}/#/login?reason=signed-out`);
  await page.click('[data-testid=passwordless]');
}
const auditOf = async (type: string) => {
  const admin = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin', { otp: '123456' });
  return (await call(`${director.url}/v1/admin/audit?type=${type}&limit=100`, { ca: director.caPem, cookie: admin })).json.events as { outcome: string; actor?: string; detail?: string }[];
};

describeWith(['chromium'], 'web app: passkeys (Chromium virtual authenticator)', () => {
  beforeAll(async () => {
    requireChromium();
    const dir = tempDir('dcvix-passkeys-');
    const otpCommand = join(dir, 'otp.sh');
    writeFileSync(otpCommand, '#!/bin/sh\nread code\n[ "$code" = "123456" ]\n');
    chmodSync(otpCommand, 0o755);
    const port = await freePort();
    base = `https://localhost:${port}`;
    director = await startDirector({
      config: {
        director_port: port,
        public_url: base,
        otp: { backend: 'external', external: { command: [otpCommand] } },
        auth: { passkeys: { allow_passwordless: true }, header: { user_header: 'X-Forwarded-User', trusted: ['127.0.0.1'] } },
      },
    });
    browser = await launchBrowser();
    page = await (await newContext(browser, { width: 1000, height: 900 })).newPage();
    cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await newAuthenticator();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await director?.stop();
    cleanupTempDirs();
  });

  test('ok: after a sign-in with a code, the user registers a named passkey from the launcher', async () => {
    await passwordStep();
    await page.fill('input[name=otp]', '123456');
    await page.click('button:has-text("Verify")');
    await launcher();
    await page.click('a:has-text("Passkeys")');
    await page.fill('input[name=passkey-name]', 'work laptop');
    await page.click('button:has-text("Add a passkey")');
    await page.waitForSelector('td:has-text("work laptop")');
    await page.waitForSelector('text=Passkey “work laptop” added.');
    const [credential] = await storedCredentials();
    expect(credential).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    expect(describeViolations(await axeViolations(page))).toEqual([]);
  }, 30_000);

  test('ok: the passkey stands in for the code, and alone signs in; the counter grows', async () => {
    await signOut();
    const before = (await storedCredentials())[0]!.signCount;
    await passwordStep();
    await page.waitForSelector('[data-testid=use-passkey]');
    expect(await page.textContent('.login-card')).toContain('Use one of your passkeys, or enter the one-time code');
    expect(describeViolations(await axeViolations(page))).toEqual([]);
    await page.click('[data-testid=use-passkey]');
    await launcher();
    await signOut();
    await passwordless();
    await launcher();
    expect((await storedCredentials())[0]!.signCount).toBeGreaterThan(before);
    const logins = await auditOf('passkey.login');
    expect(logins.filter((e) => e.outcome === 'success').map((e) => [e.actor, e.detail])).toEqual([
      ['alice', 'passwordless'],
      ['alice', 'second factor'],
    ]);
  }, 30_000);

  test('rejects: a cloned authenticator with a stale counter, and a credential the director never saw', async () => {
    await signOut();
    const original = await storedCredentials();
    // The clone: the same key and id, exported before its last uses.
    await newAuthenticator([{ ...original[0]!, signCount: 1 }]);
    await passwordless();
    await page.waitForSelector('text=That passkey was not accepted');
    // A key pair of its own, for this site and user handle, but never registered.
    const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign'])) as CryptoKeyPair;
    const privateKey = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
    await newAuthenticator([{ ...original[0]!, credentialId: Buffer.from('never-registered').toString('base64'), privateKey, signCount: 0 }]);
    await passwordless();
    await page.waitForSelector('text=That passkey was not accepted');
    const failures = (await auditOf('passkey.login')).filter((e) => e.outcome === 'failure').map((e) => e.detail);
    expect(failures).toContainEqual(expect.stringMatching(/^passwordless; stale signature counter/));
    expect(failures).toContain('passwordless; unknown credential');
    await newAuthenticator(original);
  }, 30_000);

  test('rejects: a passkey the user removed, and one an admin reset', async () => {
    await passwordless();
    await launcher();
    await page.click('a:has-text("Passkeys")');
    await page.click('button[aria-label="Remove passkey work laptop"]');
    await page.click('button:has-text("Yes, remove")');
    await page.waitForSelector('text=You have no passkeys yet.');
    await page.fill('input[name=passkey-name]', 'desk');
    await page.click('button:has-text("Add a passkey")');
    await page.waitForSelector('td:has-text("desk")');
    await signOut();
    // The admin resets alice's passkeys on the admin user page.
    await page.goto(`${base}/#/admin/login`);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', TEST_USERS.admin!);
    await page.click('button[type=submit]');
    await page.fill('input[name=otp]', '123456');
    await page.click('button:has-text("Verify")');
    await page.waitForSelector('h1:has-text("Agents")');
    await page.goto(`${base}/#/admin/users`);
    await page.fill('input[name=user]', 'alice');
    await page.click('button:has-text("Look up")');
    await page.waitForSelector('td:has-text("desk")');
    expect(describeViolations(await axeViolations(page))).toEqual([]);
    await page.click('button:has-text("Reset passkeys")');
    await page.click('button:has-text("Yes, reset passkeys")');
    await page.waitForSelector('text=Removed 1 passkey of alice.');
    await signOut();
    // Both credentials are still on the authenticator; the director knows neither any more.
    expect((await storedCredentials()).length).toBe(2);
    await passwordless();
    await page.waitForSelector('text=That passkey was not accepted');
    const events = async (type: string) => (await auditOf(type)).map((e) => [e.outcome, e.actor, e.detail]);
    expect(await events('passkey.reset')).toEqual([['success', 'admin', 'removed=1']]);
    expect((await events('passkey.remove')).length).toBe(1);
    expect((await events('passkey.register')).map((e) => e[2])).toEqual(['name=desk', 'name=work laptop']);
  }, 40_000);

  test('ok: behind a proxy naming the user, the login page signs in at once; after a sign-out it offers a button', async () => {
    const proxied = await (await newContext(browser)).newPage();
    await proxied.context().setExtraHTTPHeaders({ 'X-Forwarded-User': 'bob' });
    await proxied.goto(`${base}/#/login`);
    await proxied.waitForSelector('h1:has-text("Your desktops")');
    expect(await proxied.textContent('.who-name')).toContain('bob');
    await proxied.click('button:has-text("Sign out")');
    await proxied.waitForSelector('[data-testid=header-sign-in]');
    expect(describeViolations(await axeViolations(proxied))).toEqual([]);
    await proxied.click('[data-testid=header-sign-in]');
    await proxied.waitForSelector('h1:has-text("Your desktops")');
    // Without the header (a user reaching the director directly) there is no such button.
    expect(await page.locator('[data-testid=header-sign-in]').count()).toBe(0);
    await proxied.context().close();
  }, 30_000);
});

import { afterAll, describe, expect, test } from 'bun:test';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/free-port.ts';
import { approveAgent, startAgent, startDirector, TEST_USERS } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { run } from '../helpers/run.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

/** Behaviours the specification names that had no test: each with real processes. */
const DAY = 86_400_000;

afterAll(() => cleanupTempDirs());

/** notBefore and notAfter of a PEM certificate, by openssl. */
async function validity(file: string): Promise<{ notBefore: number; notAfter: number }> {
  const out = (await run(['openssl', 'x509', '-in', file, '-noout', '-startdate', '-enddate'])).stdout;
  const date = (key: string) => Date.parse(out.match(new RegExp(`${key}=(.*)`))![1]!);
  return { notBefore: date('notBefore'), notAfter: date('notAfter') };
}

describe('director certificates', () => {
  test("ok: the CA and the server certificate are valid for 10 years; the server certificate names the host's FQDN (hostname -f)", async () => {
    // A `hostname` that answers -f with a name no machine here has, so the test sees where the name comes from.
    const bin = tempDir('dcvix-bin-');
    const realHostname = (await run(['sh', '-c', 'command -v hostname'])).stdout.trim();
    writeFileSync(join(bin, 'hostname'), `#!/bin/sh\nif [ "$1" = "-f" ]; then echo ws-fqdn.dcvix-test.example; else exec ${realHostname} "$@"; fi\n`);
    chmodSync(join(bin, 'hostname'), 0o755);
    const director = await startDirector({ env: { PATH: `${bin}:${process.env.PATH}` } });
    for (const file of ['ca.pem', 'dcvix-director.crt']) {
      const period = await validity(join(director.dataDir, file));
      expect(Math.round((period.notAfter - Date.now()) / DAY)).toBe(3650);
      expect(period.notBefore).toBeLessThanOrEqual(Date.now());
    }
    const san = (await run(['openssl', 'x509', '-in', join(director.dataDir, 'dcvix-director.crt'), '-noout', '-ext', 'subjectAltName'])).stdout;
    expect(san).toContain('DNS:ws-fqdn.dcvix-test.example');
    expect(san).toContain('DNS:dcvix-director');
    expect(san).toContain('IP Address:127.0.0.1');
    await director.stop();
  });
});

describe('login endpoints', () => {
  test("ok: /v1/auth-health answers a logged-in user with the backends' state; /v1/logout clears the cookie", async () => {
    const director = await startDirector();
    const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
    const cookie = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
    const health = await api('/v1/auth-health', { cookie });
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ status: 'ok', user: 'alice', role: 'user', auth: { ok: true, backends: [{ name: 'external', ok: true }] } });
    const anonymous = await api('/v1/auth-health');
    expect(anonymous.status).toBe(401);
    const out = await api('/v1/logout', { method: 'POST', cookie });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^dcvix_session=; .*Max-Age=0/);
    // The browser now sends no cookie: logged out.
    expect((await api('/v1/me')).status).toBe(401);
    await director.stop();
  });
});

describe('token_key not set', () => {
  test('rejects: tokens from before a restart (login cookie and connection token) die with it; the session itself stays', async () => {
    const dir = tempDir('dcvix-nokey-');
    const port = await freePort();
    let director = await startDirector({ dir, config: { director_port: port } });
    await director.proc.waitForMsg('token_key is not set: using an ephemeral key; every session token dies with this process', 5000);
    const agent = await startAgent(director.url, { config: { update_interval: '1h', idle_timeout: 0 } });
    await approveAgent(director, agent);
    const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
    const alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
    const sessionId = (await api('/v1/user/sessions', { method: 'POST', cookie: alice, json: { poolId: 'workstations' } })).json.session.id as string;
    const token = (await api(`/v1/user/sessions/${sessionId}/connection`, { cookie: alice })).json.authToken as string;
    const verify = async (t: string) => (await api('/v1/user/authtokenverify', { method: 'POST', body: new URLSearchParams({ sessionId, authenticationToken: t }) })).text;
    expect(await verify(token)).toStartWith('<auth result="yes"');

    await director.stop();
    director = await startDirector({ dir, config: { director_port: port } });
    expect((await api('/v1/me', { cookie: alice })).status).toBe(401);
    expect(await verify(token)).toStartWith('<auth result="no"');
    // A fresh login and token open the same session (it was kept across the restart).
    const again = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
    const fresh = (await api(`/v1/user/sessions/${sessionId}/connection`, { cookie: again })).json.authToken as string;
    expect(await verify(fresh)).toBe('<auth result="yes"><username>alice</username></auth>');
    await agent.stop();
    await director.stop();
  }, 60_000);
});

describe('CA lost', () => {
  test('ok: a new CA is made; agents log the broken trust; removing agent.crt and ca.pem brings them back, re-issued under the new CA without approval', async () => {
    const dir = tempDir('dcvix-calost-');
    const port = await freePort();
    let director = await startDirector({ dir, config: { director_port: port } });
    const oldFingerprint = (await director.proc.waitForMsg('CA ready', 5000)).fingerprintSha256;
    const agent = await startAgent(director.url, { config: { update_interval: '300ms', idle_timeout: 0 } });
    const { guid } = await approveAgent(director, agent);
    await director.stop();
    for (const file of ['ca.key', 'ca.pem']) rmSync(join(director.dataDir, file));

    director = await startDirector({ dir, config: { director_port: port } });
    await director.proc.waitForMsg('created a new CA', 5000);
    await director.proc.waitForMsg('issued the director server certificate', 5000);
    expect((await director.proc.waitForMsg('CA ready', 5000)).fingerprintSha256).not.toBe(oldFingerprint);
    // The agent trusts the CA it stored, never the new one on first sight.
    const since = agent.proc.lines.length;
    const failed = await agent.proc.waitForMsg('update failed', 10_000, since);
    expect(failed.error).toBe('self signed certificate in certificate chain'); // as docs/failure-modes.md says

    // Recovery: the agent forgets the old certificate and CA and registers with its key (TOFU of the new
    // CA). agents.db survived and says its certificate is still valid: re-issued at once, no approval,
    // same GUID, same key (audited as agent.reissue).
    await agent.stop();
    for (const file of ['agent.crt', 'ca.pem']) rmSync(join(agent.dataDir, file));
    const back = await startAgent(director.url, { dir: agent.dir, config: { update_interval: '300ms', idle_timeout: 0 } });
    await back.port();
    expect(back.proc.count('registration pending approval')).toBe(0);
    const admin = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
    const reissues = (await call(`${director.url}/v1/admin/audit?type=agent.reissue`, { ca: director.caPem, cookie: admin })).json.events;
    expect(reissues).toEqual([expect.objectContaining({ target: guid, outcome: 'success' })]);
    expect(readFileSync(join(back.dataDir, 'ca.pem'), 'utf8')).toBe(director.caPem);
    await eventually(
      async () =>
        (await call(`${director.url}/v1/servers`, { ca: director.caPem, cookie: admin })).json.servers.some(
          (s: { guid: string; stale: boolean; online: boolean }) => s.guid === guid && !s.stale && s.online,
        ),
      10_000,
      'agent updates again',
    );
    await back.stop();
    await director.stop();
  }, 60_000);
});

describe('timers at their defaults', () => {
  test('ok: a pending agent asks again every 30 s; a session no update confirms goes 40 s after its last confirmation (10 s sweeps)', async () => {
    // Both defaults (the test helpers shorten them otherwise): register_interval and housekeeper_interval.
    const director = await startDirector({ config: { housekeeper_interval: undefined } });
    const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
    // One agent reports once at start and once after the create below, never again.
    const reporting = await startAgent(director.url, { config: { hostname: 'ws-once', update_interval: '1h', idle_timeout: 0 } });
    const { adminCookie } = await approveAgent(director, reporting);
    const waiting = await startAgent(director.url, { config: { hostname: 'ws-waiting', register_interval: undefined } });

    const loop = (async () => {
      const first = await waiting.proc.waitForMsg('registration pending approval', 20_000);
      const second = await waiting.proc.next('registration pending approval', 45_000);
      return Date.parse(second.time) - Date.parse(first.time);
    })();
    const sweep = (async () => {
      const created = await api('/v1/sessions', { method: 'POST', cookie: adminCookie, json: { serverId: 'ws-once', userId: 'alice', sessionType: 'virtual' } });
      expect(created.status).toBe(200);
      // The agent's update after the create confirms the session; nothing confirms it after that.
      const confirmed = Date.now();
      const listed = async () => (await api('/v1/servers', { cookie: adminCookie })).json.servers[0].sessions.length as number;
      await Bun.sleep(35_000);
      expect(await listed()).toBe(1);
      const dropped = await director.proc.waitForMsg('dropped stale sessions', 30_000);
      expect(await listed()).toBe(0);
      return Date.parse(dropped.time) - confirmed;
    })();
    const [gap, droppedAfter] = await Promise.all([loop, sweep]);
    expect(gap).toBeGreaterThanOrEqual(30_000);
    expect(gap).toBeLessThan(40_000);
    expect(droppedAfter).toBeGreaterThanOrEqual(39_000);
    expect(droppedAfter).toBeLessThan(55_000);
    await Promise.all([reporting.stop(), waiting.stop()]);
    await director.stop();
  }, 90_000);
});

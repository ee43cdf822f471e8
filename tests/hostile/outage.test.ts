import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyPairFromPem } from '../../shared/pki/keys.ts';
import { parseCertPem } from '../../director/ca/cert-info.ts';
import { agentCn } from '../../shared/pki/names.ts';
import { expireCertificateRecord } from '../helpers/agent-record.ts';
import { approveAgent, dcvArgvLog, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { directorCaSigner, freePort } from '../helpers/hostile.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { run } from '../helpers/run.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

/**
 * The director goes away for a while: the agent keeps its sessions (dcv is not touched), backs off
 * between update attempts, and resumes when the director returns on the same data dir and port. An
 * agent whose certificate expired (while the director was away) registers again with the same GUID
 * and key, is pending again (shown as returning) and gets a new certificate once an admin approves,
 * at start-up and while running. (The director's record of that certificate is expired too: while it
 * says the certificate is valid, registering with the key is re-issued without approval.)
 */
const TOKEN_KEY = 'c3'.repeat(32);
const DAY = 86_400_000;
let dir: string;
let port: number;
let director: DirectorHandle;
let agent: AgentHandle;
let admin: string;
let guid: string;
let serverId: string;
const agentConfig = { hostname: 'ws-outage', update_interval: '300ms', renew_interval: '1s', renew_retry_interval: '500ms', idle_timeout: 0 };

const startOnFixedPort = () => startDirector({ dir, config: { director_port: port, token_key: TOKEN_KEY } });
const logTime = (line: Record<string, any>) => Date.parse(line.time);
const parse = (line: string) => {
  try {
    return JSON.parse(line) as Record<string, any>;
  } catch {
    return undefined;
  }
};

beforeAll(async () => {
  dir = tempDir('dcvix-outage-');
  port = await freePort();
  director = await startOnFixedPort();
  agent = await startAgent(director.url, { config: agentConfig });
  ({ guid, serverId, adminCookie: admin } = await approveAgent(director, agent));
  const response = await call(`${director.url}/v1/sessions`, { method: 'POST', ca: director.caPem, cookie: admin, json: { serverId, userId: 'alice', sessionType: 'virtual', sessionId: 'survivor' } });
  if (response.status !== 200) throw new Error(`session: ${response.status} ${response.text}`);
  // Wait until an update confirms it, so the director's view comes from the agent.
  await eventually(
    async () => (await call(`${director.url}/v1/sessions`, { ca: director.caPem, cookie: admin })).json.sessions.some((x: { id: string }) => x.id === 'survivor'),
    10_000,
    'session confirmed',
  );
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

describe('director down for a while', () => {
  test('ok: the agent keeps its sessions, backs off, and resumes when the director returns', async () => {
    const stateBefore = readFileSync(join(agent.dir, 'dcv-state.json'), 'utf8');
    const since = agent.proc.lines.length;
    director.proc.proc.kill('SIGKILL');
    await director.proc.exited;

    // About 5 s down: with a 300 ms interval, doubling gives gaps of ~0.3, 0.6, 1.2, 2.4 s.
    await Bun.sleep(5000);
    const failures = agent.proc.lines
      .slice(since)
      .map(parse)
      .filter((l) => l?.msg === 'update failed');
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(failures.length).toBeLessThan(8);
    const gaps = failures.slice(1).map((l, i) => logTime(l!) - logTime(failures[i]!));
    for (let index = 1; index < gaps.length; index++) expect(gaps[index]!, `gaps ${gaps.join(', ')}`).toBeGreaterThan(gaps[index - 1]! * 1.4);
    expect(failures.map((l) => l!.failures)).toEqual(failures.map((_, i) => i + 1));

    // Sessions untouched on the host; the agent's own API still answers the director's certificate.
    expect(readFileSync(join(agent.dir, 'dcv-state.json'), 'utf8')).toBe(stateBefore);
    expect(dcvArgvLog(agent).filter((a) => a[0] === 'close-session')).toEqual([]);
    const creds = { cert: readFileSync(join(dir, 'data', 'dcvix-director.crt'), 'utf8'), key: readFileSync(join(dir, 'data', 'dcvix-director.key'), 'utf8') };
    const onHost = await call(`https://127.0.0.1:${await agent.port()}/v1/sessions`, { ca: readFileSync(join(dir, 'data', 'ca.pem'), 'utf8'), ...creds, checkServerIdentity: () => undefined });
    expect(onHost.json.map((s: { id: string }) => s.id)).toContain('survivor');

    const back = agent.proc.lines.length;
    director = await startOnFixedPort();
    expect(director.port).toBe(port);
    const resumed = await agent.proc.waitForMsg('director reachable again', 15_000, back);
    expect(resumed.after).toBeGreaterThanOrEqual(failures.length);
    // The old admin cookie still works (fixed token_key), and the director relearned the session.
    const seen = await eventually(
      async () => (await call(`${director.url}/v1/sessions`, { ca: director.caPem, cookie: admin })).json.sessions.find((x: { id: string }) => x.id === 'survivor'),
      5000,
      'session relearned',
    );
    expect(seen).toMatchObject({ owner: 'alice', serverId });
    const row = (await call(`${director.url}/v1/admin/agents`, { ca: director.caPem, cookie: admin })).json.agents.find((a: { guid: string }) => a.guid === guid);
    expect(row.state).toBe('registered');
    expect(readFileSync(join(agent.dir, 'dcv-state.json'), 'utf8')).toBe(stateBefore);
  }, 40_000);
});

describe('certificate expired while the director was away', () => {
  /**
   * A certificate for the agent's own name and key, from the right CA, expired yesterday; the
   * director's record of the agent's latest certificate says it expired too.
   */
  async function expiredCertificate(): Promise<string> {
    expireCertificateRecord(director.dataDir, guid);
    const ca = await directorCaSigner(director.dataDir);
    const keys = await keyPairFromPem(readFileSync(join(agent.dataDir, 'agent.key'), 'utf8'), 'Ed25519');
    return ca.sign({ cn: agentCn(guid), publicKey: keys.publicKey, notBefore: new Date(Date.now() - 15 * DAY), notAfter: new Date(Date.now() - DAY) });
  }

  /** The admin sees the agent as returning and approves it again. */
  async function approveReturning(): Promise<void> {
    await eventually(
      async () =>
        (await call(`${director.url}/v1/admin/agents?state=pending`, { ca: director.caPem, cookie: admin })).json.agents.some(
          (a: { guid: string; returning: boolean }) => a.guid === guid && a.returning,
        ),
      15_000,
      'returning agent pending',
    );
    const response = await call(`${director.url}/v1/admin/agents/${guid}/approve`, { method: 'POST', ca: director.caPem, cookie: admin });
    expect(response.status).toBe(200);
  }

  async function expectFreshCertificate(before: string): Promise<void> {
    const crt = join(agent.dataDir, 'agent.crt');
    const info = parseCertPem(readFileSync(crt, 'utf8'));
    expect(info.notAfter.getTime()).toBeGreaterThan(Date.now() + 13 * DAY);
    expect(info.serialHex).not.toBe(before);
    expect(info.subjectCn).toBe(agentCn(guid));
    const verify = await run(['openssl', 'verify', '-CAfile', join(agent.dataDir, 'ca.pem'), crt]);
    expect(verify.stdout.trim()).toBe(`${crt}: OK`);
    expect(readFileSync(join(agent.dataDir, 'agent.guid'), 'utf8').trim()).toBe(guid);
    const rows = (await call(`${director.url}/v1/admin/agents`, { ca: director.caPem, cookie: admin })).json.agents.filter((a: { guid: string }) => a.guid === guid);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'registered', certSerial: info.serialHex });
  }

  test('ok: at start-up, an expired certificate sends the agent back to registration with the same GUID', async () => {
    await agent.stop();
    const expired = await expiredCertificate();
    writeFileSync(join(agent.dataDir, 'agent.crt'), expired);
    const serial = parseCertPem(expired).serialHex;
    agent = await startAgent(director.url, { dir: agent.dir, config: agentConfig });
    await agent.proc.waitForMsg('registration pending approval', 15_000);
    await approveReturning();
    const registered = await agent.proc.waitForMsg('registered with the director', 15_000);
    expect(registered.guid).toBe(guid);
    await agent.port();
    await expectFreshCertificate(serial);
    await agent.proc.waitForMsg('agent listening', 5000);
  }, 30_000);

  test('ok: while running, a certificate found expired makes the renewer register again', async () => {
    const since = agent.proc.lines.length;
    const expired = await expiredCertificate();
    // Atomically, as the agent itself writes it: the renewer must never read half a file.
    writeFileSync(join(agent.dataDir, 'agent.crt.test-tmp'), expired);
    renameSync(join(agent.dataDir, 'agent.crt.test-tmp'), join(agent.dataDir, 'agent.crt'));
    await agent.proc.waitForMsg('certificate expired; registering again with the same GUID and key', 10_000, since);
    await agent.proc.waitForMsg('registration pending approval', 10_000, since);
    await approveReturning();
    const registered = await agent.proc.waitForMsg('registered with the director', 15_000, since);
    expect(registered.guid).toBe(guid);
    await expectFreshCertificate(parseCertPem(expired).serialHex);
    // The agent goes on: updates keep landing and the session is still there.
    const after = agent.proc.lines.length;
    await Bun.sleep(1000);
    expect(
      agent.proc.lines
        .slice(after)
        .map(parse)
        .filter((l) => l?.msg === 'update failed'),
    ).toEqual([]);
    const alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
    const servers = await call(`${director.url}/v1/user/servers`, { ca: director.caPem, cookie: alice });
    expect(JSON.stringify(servers.json)).toContain('survivor');
  }, 30_000);
});

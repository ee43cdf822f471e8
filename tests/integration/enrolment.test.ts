import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { connect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';
import { run } from '../helpers/run.ts';

/**
 * Issue 2 end to end: real director and agent processes over real TLS. The agent registers, waits
 * pending, the admin approves over HTTP, the agent serves mTLS, renews on a shortened interval and is
 * cut off at once by a revoke.
 */
let director: DirectorHandle;
let agent: AgentHandle;
let adminCookie: string;
let guid: string;
let directorCreds: { cert: string; key: string; ca: string };

const agentFile = (f: string) => join(agent.dataDir, f);

/** The certificate a fresh TLS connection to the agent is served (serial, hex). */
function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: directorCreds.ca, cert: directorCreds.cert, key: directorCreds.key, checkServerIdentity: () => undefined }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial.toLowerCase());
    });
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  director = await startDirector();
  directorCreds = director.clientCredentials();
  agent = await startAgent(director.url, { config: { renew_interval: '3s', renew_retry_interval: '1s', hostname: 'ws-enrol' } });
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

describe('enrolment', () => {
  test('ok: the CA fingerprint is logged at start-up', async () => {
    const line = await director.proc.waitForMsg('CA ready');
    const fp = (await run(['openssl', 'x509', '-in', director.caFile, '-noout', '-fingerprint', '-sha256'])).stdout.split('=')[1]!.trim();
    expect(line.fingerprintSha256).toBe(fp);
  });

  test('ok: SQLite checkpoints run on a thread of their own, in the single-file build too (its second entry point)', async () => {
    await director.proc.waitForMsg('WAL checkpoint thread started', 3000);
    expect(director.proc.lines.some((line) => line.includes('WAL checkpoint thread failed'))).toBe(false);
  });

  test('ok: the agent registers and waits pending; admin login works with the documented curl example', async () => {
    const pendingLog = await agent.proc.waitForMsg('registration pending approval');
    const jar = join(director.dir, 'cookies.txt');
    const result = await run([
      'curl',
      '-s',
      '--cacert',
      director.caFile,
      '--cookie-jar',
      jar,
      '-X',
      'POST',
      `${director.url}/v1/admin/login`,
      '-d',
      `{"userID": "admin", "password": "${TEST_USERS.admin}"}`,
    ]);
    expect(JSON.parse(result.stdout).role).toBe('admin');
    expect(readFileSync(jar, 'utf8')).toContain('dcvix_session');
    adminCookie = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
    const pending = await call(`${director.url}/v1/admin/agents?state=pending`, { ca: director.caPem, cookie: adminCookie });
    expect(pending.status).toBe(200);
    expect(pending.json.agents).toHaveLength(1);
    guid = pending.json.agents[0].guid;
    expect(readFileSync(agentFile('agent.guid'), 'utf8').trim()).toBe(guid);
    expect(pending.json.agents[0].hostname).toBe('ws-enrol');
    // The admin can compare the fingerprint with the one the agent logged on its host.
    expect(pending.json.agents[0].csrFingerprint).toBe(pendingLog.csrFingerprint);
  });

  test('rejects: a non-admin cannot list or approve agents', async () => {
    const alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
    const response = await call(`${director.url}/v1/admin/agents`, { ca: director.caPem, cookie: alice });
    expect(response.status).toBe(403);
    expect(response.json.error.code).toBe('NOT_ADMIN');
    const denied = await call(`${director.url}/v1/admin/login`, { method: 'POST', ca: director.caPem, json: { userID: 'alice', password: TEST_USERS.alice } });
    expect(denied.status).toBe(403);
    expect((await call(`${director.url}/v1/admin/agents`, { ca: director.caPem })).status).toBe(401);
  });

  test('ok: approval over HTTP lets the agent get its certificate and serve mTLS', async () => {
    const response = await call(`${director.url}/v1/admin/agents/${guid}/approve`, { method: 'POST', ca: director.caPem, cookie: adminCookie });
    expect(response.status).toBe(200);
    expect(response.json.agent.state).toBe('registered');
    const port = await agent.port();
    // The director checks an agent by its certificate's CN (dcvix-agent-{guid}), not by host name.
    const asDirector = { ...directorCreds, checkServerIdentity: (_h: string, c: { subject: { CN: string } }) => (c.subject.CN === `dcvix-agent-${guid}` ? undefined : new Error('not the agent')) };
    const health = await call(`https://127.0.0.1:${port}/v1/health`, { ca: director.caPem, checkServerIdentity: asDirector.checkServerIdentity });
    expect(health.status).toBe(200);
    const sessions = await call(`https://127.0.0.1:${port}/v1/sessions`, asDirector);
    expect(sessions.status).toBe(200);
    expect(sessions.json).toEqual([]);
    const noCert = await call(`https://127.0.0.1:${port}/v1/sessions`, { ca: director.caPem, checkServerIdentity: asDirector.checkServerIdentity });
    expect(noCert.status).toBe(401);
    expect(readFileSync(agentFile('agent.key')) && (await Bun.file(agentFile('agent.key')).stat()).mode & 0o777).toBe(0o600);
  });

  test('ok: the documented curl examples against the agent work as written (director certificate, CA file)', async () => {
    const port = await agent.port();
    const base = `https://127.0.0.1:${port}`;
    const curl = (...args: string[]) =>
      run(['curl', '-s', '--cert', join(director.dataDir, 'dcvix-director.crt'), '--key', join(director.dataDir, 'dcvix-director.key'), '--cacert', director.caFile, ...args]);
    expect(JSON.parse((await curl(`${base}/v1/health`)).stdout)).toEqual({ status: 'ok' });
    expect(JSON.parse((await curl(`${base}/v1/sessions`)).stdout)).toEqual([]);
    const created = await curl('-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"userId": "john", "sessionType": "console", "sessionId": "test"}', `${base}/v1/sessions`);
    expect(JSON.parse(created.stdout)).toMatchObject({ sessionID: 'test', owner: 'john', type: 'console' });
    const quality = await curl('-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"config": [{"section": "display", "key": "quality", "value": "(30,80)"}]}', `${base}/v1/config`);
    expect(JSON.parse(quality.stdout).ok).toBe(true);
    expect((await curl('-o', '/dev/null', '-w', '%{http_code}', '-X', 'DELETE', `${base}/v1/sessions/test`)).stdout).toBe('200');
    // Another agent's certificate (same CA) is not the director.
    const asAgent = await run(['curl', '-s', '--cert', agentFile('agent.crt'), '--key', agentFile('agent.key'), '--cacert', director.caFile, `${base}/v1/sessions`]);
    expect(JSON.parse(asAgent.stdout).error.code).toBe('NOT_DIRECTOR');
  });

  test('ok: openssl accepts the issued certificate and shows the documented profile', async () => {
    const verify = await run(['openssl', 'verify', '-CAfile', agentFile('ca.pem'), agentFile('agent.crt')]);
    expect(verify.stdout).toContain('OK');
    const text = (await run(['openssl', 'x509', '-in', agentFile('agent.crt'), '-noout', '-text'])).stdout;
    expect(text).toContain(`CN = dcvix-agent-${guid}`);
    expect(text).toContain('Public Key Algorithm: ED25519');
    expect(text).toContain('Digital Signature');
    expect(text).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    const dates = (await run(['openssl', 'x509', '-in', agentFile('agent.crt'), '-noout', '-startdate', '-enddate'])).stdout;
    const [nb, na] = dates
      .trim()
      .split('\n')
      .map((l) => Date.parse(l.split('=')[1]!));
    expect(Math.round((na! - nb!) / 86_400_000)).toBe(14);
    const server = (await run(['openssl', 'x509', '-in', join(director.dataDir, 'dcvix-director.crt'), '-noout', '-text'])).stdout;
    expect(server).toContain('DNS:dcvix-director');
    expect(server).toContain('DNS:localhost');
    expect(server).toContain('IP Address:127.0.0.1');
    expect(server).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    const ca = (await run(['openssl', 'x509', '-in', director.caFile, '-noout', '-text'])).stdout;
    expect(ca).toContain('CA:TRUE');
    expect(ca).toContain('ASN1 OID: prime256v1');
  });

  test('ok: the documented curl agent update works with the Ed25519 client key', async () => {
    const body = JSON.stringify({
      sessions: [],
      stats: { hostname: 'server.domain.com', free_memory: 54545088512, total_memory: 66996871168, cores: 8, cpu_usage: 1.16, load1: 0.11, load5: 0.13, load15: 0.15 },
      tags: ['tag1', 'tag2'],
    });
    const result = await run([
      'curl',
      '-s',
      '-w',
      '\\n%{http_code}',
      '--cert',
      agentFile('agent.crt'),
      '--key',
      agentFile('agent.key'),
      '--cacert',
      agentFile('ca.pem'),
      '-X',
      'POST',
      '-H',
      'Content-Type: application/json',
      '-d',
      body,
      `${director.url}/v1/agent/update`,
    ]);
    expect(result.stdout.trim().split('\n').pop()).toBe('200');
  });

  test('ok: renewal on a shortened interval is served on the next connection without restart', async () => {
    const port = await agent.port();
    const before = await servedSerial(port);
    const since = agent.proc.lines.length;
    await agent.proc.waitForMsg('certificate renewed', 15_000, since);
    const stored = (await run(['openssl', 'x509', '-in', agentFile('agent.crt'), '-noout', '-serial'])).stdout.split('=')[1]!.trim().toLowerCase();
    await eventually(async () => (await servedSerial(port)) === stored, 5000, 'renewed cert served');
    expect(stored).not.toBe(before);
    expect(agent.proc.count('agent listening')).toBe(1);
  });

  test('rejects: hostile registrations get a stable 4xx and write no row', async () => {
    const count = async () => (await call(`${director.url}/v1/admin/agents`, { ca: director.caPem, cookie: adminCookie })).json.agents.length;
    const before = await count();
    const otherGuid = crypto.randomUUID();
    const dir = tempDir('dcvix-hostile-');
    const edKey = join(dir, 'ed.key');
    await run(['openssl', 'genpkey', '-algorithm', 'ed25519', '-out', edKey]);
    const csrOf = async (key: string, cn: string) => {
      const out = join(dir, `${cn}.der`);
      await run(['openssl', 'req', '-new', '-key', key, '-subj', `/CN=${cn}`, '-outform', 'DER', '-out', out]);
      return readFileSync(out).toString('base64');
    };
    const ecKey = join(dir, 'ec.key');
    await run(['openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', ecKey]);
    const cases: [unknown, number, string][] = [
      [{ guid: otherGuid, hostname: 'h1', csr: await csrOf(edKey, `dcvix-agent-${crypto.randomUUID()}`) }, 400, 'CSR_CN_MISMATCH'],
      [{ guid: otherGuid, hostname: 'h1', csr: await csrOf(ecKey, `dcvix-agent-${otherGuid}`) }, 400, 'CSR_KEY_NOT_ED25519'],
      [{ guid: otherGuid, hostname: 'h1', csr: '!!!not base64!!!' }, 400, 'INVALID_CSR_ENCODING'],
      [{ guid: otherGuid, hostname: 'h1', csr: Buffer.from('garbage that is not DER').toString('base64') }, 400, 'INVALID_CSR'],
      [{ guid: 'not-a-guid', hostname: 'h1', csr: 'AAAA' }, 400, 'INVALID_GUID'],
      [{ guid: otherGuid, hostname: 'bad host;name', csr: await csrOf(edKey, `dcvix-agent-${otherGuid}`) }, 400, 'INVALID_HOSTNAME'],
      [{ guid: otherGuid, hostname: 'h1' }, 400, 'INVALID_CSR_ENCODING'],
      ['[1,2,3]', 400, 'INVALID_JSON'],
      ['{"guid": ', 400, 'INVALID_JSON'],
    ];
    for (const [body, status, code] of cases) {
      const response = await call(`${director.url}/v1/agent/register`, {
        method: 'POST',
        ca: director.caPem,
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      expect([response.status, response.json?.error?.code]).toEqual([status, code]);
    }
    const huge = await call(`${director.url}/v1/agent/register`, { method: 'POST', ca: director.caPem, body: 'x'.repeat(200_000) });
    expect([huge.status, huge.json.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    // A certificate from another CA is refused on mTLS routes.
    const otherCa = join(dir, 'other-ca.key');
    await run(['openssl', 'req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', otherCa, '-subj', `/CN=dcvix-agent-${guid}`, '-days', '1', '-out', join(dir, 'other.crt')]);
    const foreign = await call(`${director.url}/v1/agent/update`, {
      method: 'POST',
      ca: director.caPem,
      cert: readFileSync(join(dir, 'other.crt'), 'utf8'),
      key: readFileSync(otherCa, 'utf8'),
      json: {},
    });
    expect([foreign.status, foreign.json.error.code]).toEqual([401, 'CLIENT_CERT_UNTRUSTED']);
    const none = await call(`${director.url}/v1/agent/renew`, { method: 'POST', ca: director.caPem, json: {} });
    expect([none.status, none.json.error.code]).toEqual([401, 'CLIENT_CERT_REQUIRED']);
    expect(await count()).toBe(before);
  });

  test('rejects: a registered GUID with another key does not take over the identity', async () => {
    const dir = tempDir('dcvix-takeover-');
    const key = join(dir, 'k.key');
    await run(['openssl', 'genpkey', '-algorithm', 'ed25519', '-out', key]);
    await run(['openssl', 'req', '-new', '-key', key, '-subj', `/CN=dcvix-agent-${guid}`, '-outform', 'DER', '-out', join(dir, 'c.der')]);
    const response = await call(`${director.url}/v1/agent/register`, {
      method: 'POST',
      ca: director.caPem,
      json: { guid, hostname: 'evil', csr: readFileSync(join(dir, 'c.der')).toString('base64') },
    });
    expect([response.status, response.json.error.code]).toEqual([409, 'AGENT_KEY_MISMATCH']);
    const list = await call(`${director.url}/v1/admin/agents?state=registered`, { ca: director.caPem, cookie: adminCookie });
    const me = list.json.agents.find((a: { guid: string }) => a.guid === guid);
    expect(me.hostname).toBe('ws-enrol');
    expect(me.keyChangePending).toBe(true);
    // The real agent keeps working with its own key.
    const upd = await run([
      'curl',
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--cert',
      agentFile('agent.crt'),
      '--key',
      agentFile('agent.key'),
      '--cacert',
      agentFile('ca.pem'),
      '-X',
      'POST',
      '-d',
      '{"sessions":[],"stats":{"hostname":"x","free_memory":1,"total_memory":2,"cores":1,"cpu_usage":0,"load1":0,"load5":0,"load15":0},"tags":[]}',
      `${director.url}/v1/agent/update`,
    ]);
    expect(upd.stdout).toBe('200');
    const deny = await call(`${director.url}/v1/admin/agents/${guid}/deny`, { method: 'POST', ca: director.caPem, cookie: adminCookie });
    expect(deny.status).toBe(200);
  });

  test('ok: revoke refuses the next mTLS request, registration and renewal at once', async () => {
    const response = await call(`${director.url}/v1/admin/agents/${guid}/revoke`, { method: 'POST', ca: director.caPem, cookie: adminCookie });
    expect(response.json.agent.state).toBe('revoked');
    // Its server leaves the live state at once: no session can be placed on it.
    const servers = await call(`${director.url}/v1/servers`, { ca: director.caPem, cookie: adminCookie });
    expect(servers.json.servers.find((s: { guid: string }) => s.guid === guid)).toBeUndefined();
    const creds = { ca: readFileSync(agentFile('ca.pem'), 'utf8'), cert: readFileSync(agentFile('agent.crt'), 'utf8'), key: readFileSync(agentFile('agent.key'), 'utf8') };
    const upd = await call(`${director.url}/v1/agent/update`, { method: 'POST', ...creds, json: {} });
    expect([upd.status, upd.json.error.code]).toEqual([403, 'AGENT_REVOKED']);
    const renew = await call(`${director.url}/v1/agent/renew`, { method: 'POST', ...creds, json: { csr: 'AAAA' } });
    expect(renew.status).toBe(403);
    const dir = tempDir('dcvix-revoked-');
    const csrDer = join(dir, 'csr.der');
    await run(['openssl', 'req', '-new', '-key', agentFile('agent.key'), '-subj', `/CN=dcvix-agent-${guid}`, '-outform', 'DER', '-out', csrDer]);
    const reg = await call(`${director.url}/v1/agent/register`, { method: 'POST', ca: director.caPem, json: { guid, hostname: 'ws-enrol', csr: readFileSync(csrDer).toString('base64') } });
    expect([reg.status, reg.json.error.code]).toEqual([403, 'AGENT_REVOKED']);
    await agent.proc.waitForMsg('update failed', 10_000);
  });
});

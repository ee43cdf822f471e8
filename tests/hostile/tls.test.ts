import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyPairFromPem } from '../../shared/pki/keys.ts';
import { agentCn, DIRECTOR_CN } from '../../shared/pki/names.ts';
import { parseCertPem } from '../../director/ca/cert-info.ts';
import { approveAgent, startAgent, startDirector, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { directorCaSigner, expectClientError, expectHealthy, newKey, SimAgent, strangerCa, type Signer } from '../helpers/hostile.ts';
import { call, type Call } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/**
 * mTLS refusals, over real TLS: on the director's agent routes (no certificate, expired, not yet
 * valid, another CA, revoked, unknown GUID, another key, not an agent, renewing for someone else) and
 * on an agent's director-only API (no certificate, a look-alike director certificate from another CA,
 * an expired one from the right CA, another agent's certificate). Each is a clear 4xx code.
 */
let director: DirectorHandle;
let agent: AgentHandle;
let admin: string;
let ca: Signer;
let stranger: Signer;
let a: SimAgent;
let b: SimAgent;
let revoked: SimAgent;
let agentPort: number;
let directorCreds: { cert: string; key: string; ca: string };
const DAY = 86_400_000;

beforeAll(async () => {
  director = await startDirector();
  agent = await startAgent(director.url, { config: { hostname: 'ws-tls', idle_timeout: 0 } });
  admin = (await approveAgent(director, agent)).adminCookie;
  agentPort = await agent.port();
  [a, b, revoked] = await Promise.all([SimAgent.create('sim-a'), SimAgent.create('sim-b'), SimAgent.create('sim-revoked')]);
  for (const s of [a, b, revoked]) await s.enrol(director, admin);
  const r = await call(`${director.url}/v1/admin/agents/${revoked.guid}/revoke`, { method: 'POST', ca: director.caPem, cookie: admin });
  if (r.status !== 200) throw new Error(`revoke: ${r.text}`);
  ca = await directorCaSigner(director.dataDir);
  stranger = await strangerCa();
  directorCreds = director.clientCredentials();
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

const agentRow = async (guid: string) =>
  (await call(`${director.url}/v1/admin/agents`, { ca: director.caPem, cookie: admin })).json.agents.find((x: { guid: string }) => x.guid === guid);

/** The update and renew routes with these credentials; both must refuse with `status` and `code`. */
async function expectRefused(creds: { cert?: string; key?: string }, status: number, code: string, what: string, sim: SimAgent = b): Promise<void> {
  const tls = { ca: director.caPem, ...creds };
  const update = await call(`${director.url}/v1/agent/update`, { method: 'POST', ...tls, json: sim.updateBody([]) });
  const renew = await call(`${director.url}/v1/agent/renew`, { method: 'POST', ...tls, json: { csr: await sim.csr() } });
  for (const [route, r] of [['update', update], ['renew', renew]] as [string, Call][]) {
    expectClientError(r, `${what} (${route})`);
    expect([what, route, r.status, r.json.error.code]).toEqual([what, route, status, code]);
  }
}

describe('director refuses agent certificates it must not trust', () => {
  test('ok: the control case: b\'s own certificate updates and renews', async () => {
    expect((await b.update(director.url)).status).toBe(200);
    const r = await call(`${director.url}/v1/agent/renew`, { method: 'POST', ...b.creds, json: { csr: await b.csr() } });
    expect(r.status).toBe(200);
  }, 30_000);

  test('rejects: no client certificate', async () => {
    await expectRefused({}, 401, 'CLIENT_CERT_REQUIRED', 'no certificate');
  }, 30_000);

  test('rejects: an expired certificate for a registered agent and key, from the right CA', async () => {
    const cert = await ca.sign({ cn: agentCn(b.guid), publicKey: b.keys.publicKey, notBefore: new Date(Date.now() - 15 * DAY), notAfter: new Date(Date.now() - DAY) });
    await expectRefused({ cert, key: b.keyPem }, 401, 'CLIENT_CERT_UNTRUSTED', 'expired');
  }, 30_000);

  test('rejects: a certificate that is not valid yet', async () => {
    const cert = await ca.sign({ cn: agentCn(b.guid), publicKey: b.keys.publicKey, notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 14 * DAY) });
    await expectRefused({ cert, key: b.keyPem }, 401, 'CLIENT_CERT_UNTRUSTED', 'not yet valid');
  }, 30_000);

  test('rejects: the right name and key, signed by another CA (same CA name)', async () => {
    const cert = await stranger.sign({ cn: agentCn(b.guid), publicKey: b.keys.publicKey });
    await expectRefused({ cert, key: b.keyPem }, 401, 'CLIENT_CERT_UNTRUSTED', 'another CA');
  }, 30_000);

  test('rejects: a certificate only for servers (no clientAuth) from the right CA', async () => {
    const cert = await ca.sign({ cn: agentCn(b.guid), publicKey: b.keys.publicKey, eku: ['serverAuth'] });
    await expectRefused({ cert, key: b.keyPem }, 401, 'CLIENT_CERT_UNTRUSTED', 'serverAuth only');
  }, 30_000);

  test('rejects: a revoked agent\'s still-unexpired certificate', async () => {
    await expectRefused({ cert: revoked.certPem, key: revoked.keyPem }, 403, 'AGENT_REVOKED', 'revoked', revoked);
  }, 30_000);

  test('rejects: a CA-signed certificate for a GUID the director never registered', async () => {
    const ghost = await SimAgent.create('ghost');
    const cert = await ca.sign({ cn: agentCn(ghost.guid), publicKey: ghost.keys.publicKey });
    await expectRefused({ cert, key: ghost.keyPem }, 403, 'AGENT_UNKNOWN', 'unknown GUID', ghost);
  }, 30_000);

  test('rejects: b\'s name on another key, even signed by the right CA', async () => {
    const other = await newKey();
    const cert = await ca.sign({ cn: agentCn(b.guid), publicKey: other.keys.publicKey });
    await expectRefused({ cert, key: other.pem }, 403, 'AGENT_KEY_MISMATCH', 'other key');
  }, 30_000);

  test('rejects: the director\'s own certificate is not an agent', async () => {
    await expectRefused({ cert: directorCreds.cert, key: directorCreds.key }, 403, 'NOT_AN_AGENT', 'director cert');
  }, 30_000);

  test('rejects: agent a renewing for agent b (CSR names b) gets nothing; both rows unchanged', async () => {
    const before = [await agentRow(a.guid), await agentRow(b.guid)];
    const withAKey = await call(`${director.url}/v1/agent/renew`, { method: 'POST', ...a.creds, json: { csr: await a.csr(agentCn(b.guid)) } });
    expectClientError(withAKey, 'a renews for b with a\'s key');
    expect(withAKey.json.error.code).toBe('CSR_CN_MISMATCH');
    // Even holding b's key (stolen), a's mTLS identity cannot renew b.
    const withBKey = await call(`${director.url}/v1/agent/renew`, { method: 'POST', ...a.creds, json: { csr: await b.csr() } });
    expectClientError(withBKey, 'a renews for b with b\'s key');
    expect(withBKey.json.error.code).toBe('CSR_CN_MISMATCH');
    // And a's name on b's key (a's identity, foreign key) keeps a's registered key.
    const swapKey = await call(`${director.url}/v1/agent/renew`, { method: 'POST', ...a.creds, json: { csr: await a.csr(agentCn(a.guid), b.keys) } });
    expect([swapKey.status, swapKey.json.error.code]).toEqual([403, 'AGENT_KEY_MISMATCH']);
    expect([await agentRow(a.guid), await agentRow(b.guid)].map(({ lastSeen: _l, ...r }) => r)).toEqual(before.map(({ lastSeen: _l, ...r }) => r));
  }, 30_000);

  test('ok: after all that the director still serves and b still works', async () => {
    await expectHealthy(director, 'after TLS refusals');
    expect((await b.update(director.url)).status).toBe(200);
  }, 30_000);
});

describe('agent refuses callers that are not its director', () => {
  const agentCall = (creds: { cert?: string; key?: string }, method = 'GET', path = '/v1/sessions', json?: unknown) =>
    call(`https://127.0.0.1:${agentPort}${path}`, { method, ca: director.caPem, checkServerIdentity: () => undefined, ...creds, ...(json ? { json } : {}) });

  test('ok: the real director certificate is served; health needs none', async () => {
    expect((await agentCall(directorCreds)).status).toBe(200);
    expect((await agentCall({}, 'GET', '/v1/health')).status).toBe(200);
  }, 30_000);

  test('rejects: no certificate, on every director-only route', async () => {
    for (const [m, p] of [['GET', '/v1/sessions'], ['POST', '/v1/sessions'], ['DELETE', '/v1/sessions/x'], ['POST', '/v1/config'], ['GET', '/v1/stats']] as const) {
      const r = await agentCall({}, m, p, m === 'POST' ? {} : undefined);
      expectClientError(r, `agent ${m} ${p} without certificate`);
      expect([p, r.status, r.json.error.code]).toEqual([p, 401, 'CLIENT_CERT_REQUIRED']);
    }
  }, 30_000);

  test('rejects: a look-alike dcvix-director certificate from another CA', async () => {
    const k = await newKey('P-256');
    const r = await agentCall({ cert: await stranger.sign({ cn: DIRECTOR_CN, publicKey: k.keys.publicKey }), key: k.pem }, 'POST', '/v1/sessions', { userId: 'alice', sessionType: 'virtual', sessionId: 'evil-1' });
    expectClientError(r, 'foreign director cert');
    expect([r.status, r.json.error.code]).toEqual([401, 'CLIENT_CERT_UNTRUSTED']);
  }, 30_000);

  test('rejects: the director\'s name and key in an expired certificate from the right CA', async () => {
    const keys = await keyPairFromPem(directorCreds.key, 'P-256');
    const cert = await ca.sign({ cn: DIRECTOR_CN, publicKey: keys.publicKey, notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) });
    const r = await agentCall({ cert, key: directorCreds.key });
    expect([r.status, r.json.error.code]).toEqual([401, 'CLIENT_CERT_UNTRUSTED']);
  }, 30_000);

  test('rejects: another agent\'s valid certificate is not the director', async () => {
    expect(parseCertPem(a.certPem).subjectCn).toBe(agentCn(a.guid));
    const r = await agentCall({ cert: a.certPem, key: a.keyPem }, 'POST', '/v1/sessions', { userId: 'alice', sessionType: 'virtual', sessionId: 'evil-2' });
    expectClientError(r, 'agent cert at agent');
    expect([r.status, r.json.error.code]).toEqual([403, 'NOT_DIRECTOR']);
    // And the agent's own certificate, presented back to it, is no better.
    const self = { cert: readFileSync(join(agent.dataDir, 'agent.crt'), 'utf8'), key: readFileSync(join(agent.dataDir, 'agent.key'), 'utf8') };
    const own = await agentCall(self);
    expect([own.status, own.json.error.code]).toEqual([403, 'NOT_DIRECTOR']);
  }, 30_000);

  test('ok: nothing reached dcv', async () => {
    const sessions = await agentCall(directorCreds);
    expect(sessions.status).toBe(200);
    expect(sessions.json.map((s: { id: string }) => s.id)).not.toEqual(expect.arrayContaining(['evil-1']));
    expect(sessions.json.map((s: { id: string }) => s.id)).not.toEqual(expect.arrayContaining(['evil-2']));
  }, 30_000);
});

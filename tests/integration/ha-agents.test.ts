/**
 * Agents behind HAProxy with two directors on one PostgreSQL: registration state is shared through the
 * store, and a change made on one director reaches the other's in-memory caches by LISTEN/NOTIFY.
 * Admin calls go straight to one director from 127.0.0.5 (not a trusted proxy: plain TLS).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { curlFrom, startHaproxy, type Haproxy } from '../helpers/haproxy.ts';
import { eventually } from '../helpers/https.ts';
import { startPostgres, type Postgres } from '../helpers/postgres.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

const ADMIN_FROM = '127.0.0.5';
let pg: Postgres;
let a: DirectorHandle;
let b: DirectorHandle;
let lb: Haproxy;
let caFile: string;
let admin: string;
const agents: AgentHandle[] = [];
/** The user's session and connection token from the failover case, checked again after the restart. */
let kept: { sessionId: string; token: string; cookie: string } | undefined;

const on = (d: DirectorHandle, path: string, opts: { method?: string; json?: unknown; cert?: string; key?: string } = {}) =>
  curlFrom(ADMIN_FROM, `https://127.0.0.1:${d.port}${path}`, { ...opts, caFile, cookie: admin });
const guidOf = (agent: AgentHandle) => readFileSync(join(agent.dataDir, 'agent.guid'), 'utf8').trim();
/** An mTLS call as the agent, straight to one director: 403 = refused as an agent, 400 = let in (the body is empty). */
const asAgent = (agent: AgentHandle, d: DirectorHandle) =>
  on(d, '/v1/agent/update', { method: 'POST', json: {}, cert: join(agent.dataDir, 'agent.crt'), key: join(agent.dataDir, 'agent.key') });

beforeAll(async () => {
  pg = await startPostgres();
  const config = { store_url: pg.urlWithoutPassword, token_key: '1f'.repeat(32), trusted_proxies: ['127.0.0.1/32'] };
  const env = { DCVIX_STORE_PASSWORD: pg.password, DCVIX_STORE_CA_KEY: '2e'.repeat(32) };
  [a, b] = (await Promise.all([0, 1].map(() => startDirector({ config, env })))) as [DirectorHandle, DirectorHandle];
  caFile = join(tempDir('dcvix-lb-'), 'ca.pem');
  writeFileSync(caFile, a.caPem);
  lb = await startHaproxy({ directorPorts: [a.port, b.port], caFile });
  await lb.waitForStatus('director-a', 'UP');
  await lb.waitForStatus('director-b', 'UP');
  admin = (await curlFrom(ADMIN_FROM, `https://127.0.0.1:${a.port}/v1/admin/login`, { caFile, json: { userID: 'admin', password: TEST_USERS.admin } })).cookie!;
  for (let i = 0; i < 3; i++) agents.push(await startAgent(`https://127.0.0.1:${lb.port}`, { config: { hostname: `ha-ws${i}` } }));
});
afterAll(async () => {
  await Promise.all(agents.map((x) => x.stop()));
  await lb?.stop();
  await Promise.all([a?.stop(), b?.stop()]);
  await pg?.stop();
  cleanupTempDirs();
});

describe('agents behind HAProxy and two directors', () => {
  test('ok: agents enrol through HAProxy; approval on A lets them in on B at once', async () => {
    for (const agent of agents) await agent.proc.waitForMsg('registration pending approval', 30_000);
    for (const agent of agents) expect((await on(a, `/v1/admin/agents/${guidOf(agent)}/approve`, { method: 'POST' })).status).toBe(200);
    for (const agent of agents) await agent.proc.waitForMsg('registered with the director', 30_000);
    const onB = await on(b, '/v1/admin/agents?state=registered');
    expect(onB.json.agents.map((x: { guid: string }) => x.guid).sort()).toEqual(agents.map(guidOf).sort());
    for (const agent of agents) expect((await asAgent(agent, b)).status).toBe(400);
  });

  test('ok: a revocation on B is refused on A at the agent\'s next request', async () => {
    const agent = agents[0]!;
    // A has accepted (and cached) this agent's certificate.
    expect((await asAgent(agent, a)).status).toBe(400);
    expect((await on(b, `/v1/admin/agents/${guidOf(agent)}/revoke`, { method: 'POST' })).status).toBe(200);
    const refused = await eventually(async () => {
      const r = await asAgent(agent, a);
      return r.status === 403 && r;
    }, 2000, 'director A refusing the agent revoked on B');
    expect(refused.json.error.code).toBe('AGENT_REVOKED');
    expect((await asAgent(agents[1]!, a)).status).toBe(400);
  });

  test('ok: kill -9 of the director that served a user: the same cookie and connection token work through HAProxy', async () => {
    const withServers = async (d: DirectorHandle) => ((await on(d, '/v1/servers')).json?.servers ?? []).filter((x: { online: boolean }) => x.online).length;
    // Updates reach whichever director HAProxy picked: serve the user from one that knows servers.
    const [x, survivor] = (await eventually(async () => ((await withServers(a)) > 0 ? [a, b] : (await withServers(b)) > 0 ? [b, a] : undefined), 10_000, 'a director with servers')) as [DirectorHandle, DirectorHandle];
    const alice = (await curlFrom(ADMIN_FROM, `https://127.0.0.1:${x.port}/v1/user/login`, { caFile, json: { userID: 'alice', password: TEST_USERS.alice } })).cookie!;
    const asAlice = (d: DirectorHandle | 'lb', path: string, opts: { method?: string; json?: unknown } = {}) =>
      curlFrom(ADMIN_FROM, d === 'lb' ? `https://127.0.0.1:${lb.port}${path}` : `https://127.0.0.1:${d.port}${path}`, { ...opts, caFile, cookie: alice });
    const created = await asAlice(x, '/v1/user/sessions', { method: 'POST', json: { poolId: 'workstations', sessionType: 'virtual' } });
    expect(created.status).toBe(200);
    const { id: sessionId, serverId } = created.json.session;
    const token = (await asAlice(x, `/v1/user/connectiontoken?sessionId=${sessionId}&serverId=${serverId}`)).json.token as string;
    kept = { sessionId, token, cookie: alice };
    const verify = async () =>
      (await curlFrom(ADMIN_FROM, `https://127.0.0.1:${lb.port}/v1/user/authtokenverify`, { caFile, form: { sessionId, authenticationToken: token, clientAddress: '192.0.2.10' } })).body;

    x.proc.proc.kill('SIGKILL');
    const killedAt = Date.now();
    await x.proc.exited;
    const servers = await asAlice('lb', '/v1/user/servers');
    expect(servers.status).toBe(200);
    const firstOk = Date.now() - killedAt;
    // The survivor read the session from the store when it was created (shared runtime state): it
    // says yes without waiting for the agent's next update.
    const yes = await eventually(async () => {
      const answer = await verify();
      return answer.startsWith('<auth result="yes">') && answer;
    }, 2000, 'the verifier through HAProxy accepting the token');
    expect(yes).toBe('<auth result="yes"><username>alice</username></auth>');
    console.log(`failover: first user request ok ${firstOk} ms, verifier yes ${Date.now() - killedAt} ms after kill -9 (survivor ${survivor.port})`);
  });

  test('ok: restart everything: registrations, revocations, audit, the session and its token survive', async () => {
    expect(kept).toBeDefined();
    const config = { store_url: pg.urlWithoutPassword, token_key: '1f'.repeat(32), trusted_proxies: ['127.0.0.1/32'] };
    const env = { DCVIX_STORE_PASSWORD: pg.password, DCVIX_STORE_CA_KEY: '2e'.repeat(32) };
    await Promise.all([a.stop(), b.stop()]);
    // Same directories and ports: HAProxy and the agents keep their addresses.
    [a, b] = (await Promise.all([a, b].map((d) => startDirector({ dir: d.dir, config: { ...config, director_port: d.port }, env })))) as [DirectorHandle, DirectorHandle];
    await lb.waitForStatus('director-a', 'UP');
    await lb.waitForStatus('director-b', 'UP');
    const list = (await on(a, '/v1/admin/agents')).json.agents as { guid: string; state: string }[];
    expect(list.map((x) => [x.guid, x.state]).sort()).toEqual(agents.map((x, i) => [guidOf(x), i === 0 ? 'revoked' : 'registered']).sort());
    expect((await asAgent(agents[0]!, b)).json.error.code).toBe('AGENT_REVOKED');
    const audit = (await on(b, '/v1/admin/audit?limit=1000')).json.events as { type: string }[];
    expect(audit.filter((e) => e.type === 'agent.approve')).toHaveLength(3);
    expect(audit.filter((e) => e.type === 'agent.revoke')).toHaveLength(1);
    const { sessionId, token, cookie } = kept!;
    expect((await curlFrom(ADMIN_FROM, `https://127.0.0.1:${lb.port}/v1/user/servers`, { caFile, cookie })).status).toBe(200);
    const yes = await eventually(async () => {
      const r = await curlFrom(ADMIN_FROM, `https://127.0.0.1:${lb.port}/v1/user/authtokenverify`, { caFile, form: { sessionId, authenticationToken: token, clientAddress: '192.0.2.10' } });
      return r.body.startsWith('<auth result="yes">') && r.body;
    }, 10_000, 'the connection token accepted after the restart');
    expect(yes).toContain('<username>alice</username>');
  });
});

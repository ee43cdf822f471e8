import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDirector } from '../../director/app.ts';
import { loadDirectorConfig } from '../../director/load-config.ts';
import { exactly } from '../../director/http/answer-check.ts';
import { MEDIA_TYPE } from '../../director/http/models.ts';
import { silentLogger } from '../../shared/log.ts';
import { approveAgent, DEFAULT_POLICY, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { SimAgent } from '../helpers/hostile.ts';
import { call, eventually, login, type Call } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/**
 * The contract, end to end: every operation of the generated document is called on a real director
 * over TLS (with a real agent and simulated ones), and each real answer is compared with the model its
 * route declares for that status, exactly (no field more, none missing, types and formats right).
 * The director runs with the answer check on too (tests/helpers/dcvix.ts), which does the same on its
 * side before Elysia shapes the answer, for every integration test.
 */

let director: DirectorHandle;
let agent: AgentHandle;
let admin: string;
let alice: string;
let serverId: string;
/** Declared answer models by "METHOD /template" and status, from the same code the director runs. */
const declared = new Map<string, Record<string, TSchema>>();
/** Every answer seen: route template, status, and what came back. */
const seen: { op: string; status: number; answer: Call }[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dcvix-contract-'));
  await Bun.write(join(dir, 'd.conf'), `data_dir = "${dir}/data"\n`);
  const local = await createDirector(await loadDirectorConfig(join(dir, 'd.conf'), true), { log: silentLogger });
  for (const route of local.app.routes) declared.set(`${route.method} ${route.path}`, (route.hooks?.response ?? {}) as Record<string, TSchema>);
  await local.stop();

  // Alice may use every server directly and through the pool, so her server list shows both kinds;
  // the pool allows her two sessions, so a third `new` one is refused. Bob may use the pool: she can share with him.
  const users = { ...DEFAULT_POLICY.users, users: { ...DEFAULT_POLICY.users.users, alice: { servers: ['*'], pools: ['workstations'] }, bob: { servers: [], pools: ['workstations'] } } };
  const policy = { users, pools: { pools: { workstations: { ...DEFAULT_POLICY.pools.pools.workstations, max_sessions_per_user: 2 } } } };
  director = await startDirector({ policy });
  agent = await startAgent(director.url, { config: { hostname: 'ws-contract', update_interval: '500ms', idle_timeout: 0 } });
  ({ adminCookie: admin, serverId } = await approveAgent(director, agent));
  alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
  await eventually(
    async () => (await call(`${director.url}/v1/servers`, { ca: director.caPem, cookie: admin })).json?.servers?.some((s: { id: string; online: boolean }) => s.id === serverId && s.online),
    20_000,
    'agent online',
  );
}, 90_000);

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

/** Calls the director and records the answer under its route template ("GET /v1/user/sessions/:id"). */
async function hit(op: string, path: string, init: Parameters<typeof call>[1] = {}): Promise<Call> {
  const method = op.split(' ')[0]!;
  const answer = await call(`${director.url}${path}`, { method, ca: director.caPem, ...init });
  seen.push({ op, status: answer.status, answer });
  return answer;
}

describe('contract', () => {
  test('ok: every operation answers 2xx at least once on a real director, and each answer matches its model exactly', async () => {
    const doc = await hit('GET /v1/openapi.json', '/v1/openapi.json');
    await hit('GET /v1/health', '/v1/health');
    await hit('GET /metrics', '/metrics');
    await hit('POST /v1/user/login', '/v1/user/login', { json: { userID: 'bob', password: TEST_USERS.bob } });
    await hit('POST /v1/admin/login', '/v1/admin/login', { json: { userID: 'admin', password: TEST_USERS.admin } });
    await hit('GET /v1/me', '/v1/me', { cookie: alice });
    await hit('GET /v1/auth-health', '/v1/auth-health', { cookie: alice });
    await hit('GET /v1/user/totp', '/v1/user/totp', { cookie: alice });
    await hit('POST /v1/renew', '/v1/renew', { cookie: alice });

    const started = await hit('POST /v1/user/sessions', '/v1/user/sessions', { cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual' } });
    expect(started.status).toBe(200);
    const id = started.json.session.id as string;
    const another = await hit('POST /v1/user/sessions', '/v1/user/sessions', { cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual', new: true } });
    expect([another.status, another.json.reconnected, another.json.session.id === id]).toEqual([200, false, false]);
    const beyond = await hit('POST /v1/user/sessions', '/v1/user/sessions', { cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual', new: true } });
    expect([beyond.status, beyond.json.error.code, beyond.json.error.limit, beyond.json.error.max]).toEqual([409, 'SESSION_LIMIT_REACHED', 'max_sessions_per_user', 2]);
    const mine = await hit('GET /v1/user/servers', '/v1/user/servers', { cookie: alice });
    expect(mine.json.servers.length).toBeGreaterThan(0);
    expect(mine.json.pools[0].members.length).toBeGreaterThan(0);
    const connection = await hit('GET /v1/user/sessions/:id/connection', `/v1/user/sessions/${id}/connection`, { cookie: alice });
    await hit('GET /v1/user/sessions/:id/connection.dcv', `/v1/user/sessions/${id}/connection.dcv`, { cookie: alice });
    const shot = await hit('GET /v1/user/sessions/:id/screenshot', `/v1/user/sessions/${id}/screenshot`, { cookie: alice });
    expect([shot.status, shot.headers.get('content-type'), shot.headers.get('cache-control')]).toEqual([200, 'image/png', 'private, max-age=30']);
    await hit('GET /v1/sessions/:id/screenshot', `/v1/sessions/${id}/screenshot?maxWidth=320`, { cookie: admin });
    await hit('GET /v1/user/connectiontoken', `/v1/user/connectiontoken?sessionId=${id}`, { cookie: alice });
    expect((await hit('POST /v1/user/sessions/:id/shares', `/v1/user/sessions/${id}/shares`, { cookie: alice, json: { user: 'bob', role: 'viewer' } })).status).toBe(200);
    await hit('GET /v1/user/shares', '/v1/user/shares', { cookie: alice });
    await hit('DELETE /v1/user/sessions/:id/shares/:user', `/v1/user/sessions/${id}/shares/bob`, { cookie: alice });
    await hit('DELETE /v1/user/sessions/:id/shares/:user', `/v1/user/sessions/${id}/shares/bob`, { cookie: alice });
    const form = new URLSearchParams({ sessionId: id, authenticationToken: connection.json.authToken, clientAddress: '192.0.2.7' });
    const verified = await hit('POST /v1/user/authtokenverify', '/v1/user/authtokenverify', { body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(verified.text).toBe('<auth result="yes"><username>alice</username></auth>');
    await hit('POST /resolveSession', `/resolveSession?sessionId=${id}&transport=quic&clientIpAddress=192.0.2.7`);
    await hit('POST /v1/user/servers/:server/config', `/v1/user/servers/${serverId}/config`, { cookie: admin, json: { config: [{ section: 'display', key: 'quality', value: 80 }] } });

    // The Session Manager API, with an API client's access token.
    const SCOPES = ['sessions:read', 'sessions:write', 'servers:read', 'servers:write', 'screenshots:read'];
    const apiClient = await hit('POST /v1/admin/api-clients', '/v1/admin/api-clients', { cookie: admin, json: { name: 'contract', scopes: SCOPES } });
    await hit('GET /v1/admin/api-clients', '/v1/admin/api-clients', { cookie: admin });
    const rotated = await hit('POST /v1/admin/api-clients/:id/rotate', `/v1/admin/api-clients/${apiClient.json.clientId}/rotate`, { cookie: admin });
    await hit('POST /oauth2/token', '/oauth2/token', { headers: { authorization: 'Basic bm9ib2R5Om5vdGhpbmc=' }, body: new URLSearchParams({ grant_type: 'client_credentials' }) });
    await hit('POST /oauth2/token', '/oauth2/token?grant_type=refresh_token');
    const basic = `Basic ${Buffer.from(`${apiClient.json.clientId}:${rotated.json.clientSecret}`).toString('base64')}`;
    const accessToken = await hit('POST /oauth2/token', '/oauth2/token?grant_type=client_credentials', { headers: { authorization: basic } });
    const bearer = { authorization: `Bearer ${accessToken.json.access_token}` };
    await hit('POST /describeServers', '/describeServers', { headers: bearer });
    await hit('POST /describeSessions', '/describeSessions', { headers: bearer, json: { SessionIds: [id] } });
    await hit('POST /describeSessions', '/describeSessions', { headers: bearer, json: { Filters: [{ Key: 'colour', Value: 'red' }] } });
    await hit('GET /sessionConnectionData/:sessionId/:user', `/sessionConnectionData/${id}/alice`, { headers: bearer });
    await hit('PUT /sessionPermissions', '/sessionPermissions', {
      headers: bearer,
      json: [{ SessionId: id, Owner: 'alice', PermissionsFile: Buffer.from('%owner% allow builtin\n').toString('base64') }],
    });
    await hit('POST /getSessionScreenshots', '/getSessionScreenshots', { headers: bearer, json: [{ SessionId: id }, { SessionId: 'nowhere' }] });
    const viaApi = await hit('POST /createSessions', '/createSessions', { headers: bearer, json: [{ Owner: 'bob' }, { Owner: 'carol' }] });
    await hit('POST /deleteSessions', '/deleteSessions', { headers: bearer, json: [{ SessionId: viaApi.json.SuccessfulList[0].Id, Owner: 'bob' }, { SessionId: 'nowhere' }] });
    await hit('POST /closeServers', '/closeServers', { headers: bearer, json: [{ ServerId: serverId }, { ServerId: 'nowhere' }] });
    await hit('POST /openServers', '/openServers', { headers: bearer, json: [{ ServerId: serverId }] });
    await hit('POST /v1/admin/api-clients/:id/disable', `/v1/admin/api-clients/${apiClient.json.clientId}/disable`, { cookie: admin });
    await hit('POST /describeServers', '/describeServers', { headers: bearer });

    const forBob = await hit('POST /v1/sessions', '/v1/sessions', { cookie: admin, json: { serverId, userId: 'bob', sessionType: 'virtual', sessionId: 'contract-bob', override: true } });
    expect(forBob.status).toBe(200);
    await hit('GET /v1/sessions', '/v1/sessions', { cookie: admin });
    await hit('GET /v1/servers', '/v1/servers', { cookie: admin });
    await hit('DELETE /v1/sessions/:id', '/v1/sessions/contract-bob', { cookie: admin });
    await hit('DELETE /v1/user/sessions/:id', `/v1/user/sessions/${id}`, { cookie: alice });
    await hit('DELETE /v1/user/sessions/:id', `/v1/user/sessions/${another.json.session.id}`, { cookie: alice });
    // Maintenance: drain (and a server that does not exist), close what runs there, open again.
    await hit('POST /v1/servers/:id/drain', `/v1/servers/${serverId}/drain`, { cookie: admin, json: { reason: 'contract' } });
    await hit('POST /v1/servers/:id/drain', '/v1/servers/no-such-host/drain', { cookie: admin });
    await hit('GET /v1/user/servers', '/v1/user/servers', { cookie: alice });
    await hit('POST /v1/servers/:id/close-sessions', `/v1/servers/${serverId}/close-sessions`, { cookie: admin, json: { reason: 'contract' } });
    await hit('POST /v1/servers/:id/open', `/v1/servers/${serverId}/open`, { cookie: admin });

    // Agent routes, from simulated agents with their own keys.
    const sim = await SimAgent.create('sim-contract');
    const pending = await hit('POST /v1/agent/register', '/v1/agent/register', { json: { guid: sim.guid, hostname: sim.hostname, csr: await sim.csr() } });
    expect(pending.json.error.code).toBe('AGENT_PENDING');
    await hit('POST /v1/admin/agents/:guid/approve', `/v1/admin/agents/${sim.guid}/approve`, { cookie: admin });
    const issued = await hit('POST /v1/agent/register', '/v1/agent/register', { json: { guid: sim.guid, hostname: sim.hostname, csr: await sim.csr() } });
    expect(issued.status).toBe(200);
    const creds = { cert: issued.json.certificate as string, key: sim.keyPem, ca: issued.json.caCertificate as string };
    await hit('POST /v1/agent/update', '/v1/agent/update', { ...creds, json: { ...sim.updateBody([]), tags: ['sim', 'bad tag!'] } });
    await hit('POST /v1/agent/renew', '/v1/agent/renew', { ...creds, json: { csr: await sim.csr() } });
    await hit('POST /v1/admin/agents/:guid/revoke', `/v1/admin/agents/${sim.guid}/revoke`, { cookie: admin, json: { force: true } });
    const denied = await SimAgent.create('sim-denied');
    await denied.register(director);
    await hit('POST /v1/admin/agents/:guid/deny', `/v1/admin/agents/${denied.guid}/deny`, { cookie: admin });
    await hit('POST /v1/admin/agents/bulk', '/v1/admin/agents/bulk', { cookie: admin, json: { action: 'clear', guids: [denied.guid, crypto.randomUUID()] } });
    await hit('GET /v1/admin/agents', '/v1/admin/agents', { cookie: admin });
    const joinToken = await hit('POST /v1/admin/join-tokens', '/v1/admin/join-tokens', { cookie: admin, json: { expiresIn: 600, uses: 1, hostnamePattern: 'sim-*' } });
    const joining = await SimAgent.create('sim-joining');
    const joined = await hit('POST /v1/agent/register', '/v1/agent/register', { json: { guid: joining.guid, hostname: joining.hostname, csr: await joining.csr(), joinToken: joinToken.json.token } });
    expect(joined.status).toBe(200);
    const late = await SimAgent.create('sim-late');
    const usedUp = await hit('POST /v1/agent/register', '/v1/agent/register', { json: { guid: late.guid, hostname: late.hostname, csr: await late.csr(), joinToken: joinToken.json.token } });
    expect(usedUp.json.error.code).toBe('JOIN_TOKEN_USED_UP');
    await hit('GET /v1/admin/join-tokens', '/v1/admin/join-tokens', { cookie: admin });
    await hit('DELETE /v1/admin/join-tokens/:id', `/v1/admin/join-tokens/${joinToken.json.joinToken.id}`, { cookie: admin });
    const inForce = await hit('GET /v1/admin/policy', '/v1/admin/policy', { cookie: admin });
    const edit = { users: inForce.json.documents.users, pools: inForce.json.documents.pools };
    await hit('PUT /v1/admin/policy', '/v1/admin/policy', { cookie: admin, json: { version: inForce.json.status.version.version, ...edit, users: { ...edit.users, admins: ['admin', 'carol'] } } });
    await hit('PUT /v1/admin/policy', '/v1/admin/policy', { cookie: admin, json: { version: inForce.json.status.version.version, ...edit } });
    await hit('PUT /v1/admin/policy', '/v1/admin/policy', { cookie: admin, json: { version: 0, users: { users: 7 }, pools: {} } });
    await hit('GET /v1/admin/policy/explain', `/v1/admin/policy/explain?user=alice&server=${serverId}&groups=Domain%20Users`, { cookie: admin });
    await hit('GET /v1/admin/policy/explain', '/v1/admin/policy/explain?user=alice', { cookie: admin });
    await hit('GET /v1/admin/directors', '/v1/admin/directors', { cookie: admin });
    const overview = await hit('GET /v1/admin/overview', '/v1/admin/overview', { cookie: admin });
    expect(overview.json.history.times.length).toBeGreaterThan(0);
    const audit = await hit('GET /v1/admin/audit', '/v1/admin/audit?limit=2', { cookie: admin });
    await hit('GET /v1/admin/audit', `/v1/admin/audit?limit=2&before=${audit.json.next}`, { cookie: admin });
    await hit('GET /v1/admin/audit.csv', '/v1/admin/audit.csv?type=login', { cookie: admin });
    await hit('POST /v1/admin/users/:user/totp/reset', '/v1/admin/users/alice/totp/reset', { cookie: admin });
    await hit('GET /v1/user/passkeys', '/v1/user/passkeys', { cookie: alice });
    await hit('POST /v1/user/passkeys/options', '/v1/user/passkeys/options', { cookie: alice });
    await hit('GET /v1/passkeys/login', '/v1/passkeys/login');
    await hit('GET /v1/admin/users/:user/passkeys', '/v1/admin/users/alice/passkeys', { cookie: admin });
    await hit('POST /v1/admin/users/:user/passkeys/reset', '/v1/admin/users/alice/passkeys/reset', { cookie: admin });
    await hit('GET /v1/auth/header', '/v1/auth/header');

    const page = await hit('GET /', '/');
    await hit('GET /index.html', '/index.html');
    const asset = page.text.match(/\/assets\/([^"]+)/)![1]!;
    await hit('GET /assets/:file', `/assets/${asset}`);
    await hit('POST /v1/admin/users/:user/signout', '/v1/admin/users/alice/signout', { cookie: admin });
    await hit('POST /v1/logout', '/v1/logout', { cookie: alice });
    // Single sign-on: no provider is configured here, so start and callback redirect to the sign-in page.
    await hit('GET /v1/auth/oidc/providers', '/v1/auth/oidc/providers');
    await hit('POST /v1/auth/oidc/signout', '/v1/auth/oidc/signout');
    const sso = await hit('GET /v1/auth/oidc/:provider/start', '/v1/auth/oidc/corp/start', { redirect: 'manual' });
    expect([sso.status, sso.headers.get('location')]).toEqual([302, '/#/login?sso_error=OIDC_UNKNOWN_PROVIDER&provider=corp']);
    await hit('GET /v1/auth/oidc/:provider/callback', '/v1/auth/oidc/corp/callback?code=x&state=y', { redirect: 'manual' });

    // Every answer against its declared model.
    const problems: string[] = [];
    for (const { op, status, answer } of seen) {
      const model = declared.get(op)?.[String(status)];
      if (!model) {
        problems.push(`${op} ${status}: no model declared for this status`);
        continue;
      }
      const wire = (model as Record<string, unknown>)[MEDIA_TYPE];
      if (typeof wire === 'string') {
        const type = answer.headers.get('content-type') ?? '';
        if (!wire.split(',').some((w) => type.startsWith(w.trim()))) problems.push(`${op} ${status}: content-type ${type}, declared ${wire}`);
        continue;
      }
      const first = Value.Errors(exactly(model), answer.json).First();
      if (first) problems.push(`${op} ${status}: ${first.path || '/'} ${first.message}`);
    }
    expect(problems).toEqual([]);

    // And every operation of the document got a 2xx answer, except the TOTP enrolment pair, which needs
    // a director with built-in TOTP (tests/integration/login-http.test.ts runs it with the answer check on),
    // the passkey answers, which need a browser's authenticator (tests/e2e/web-passkeys.test.ts; an admin's
    // reset too, since a user without passkeys answers 404 PASSKEY_NOT_FOUND), and
    // header sign-in, which needs [auth.header] (tests/integration/auth-header.test.ts); both run with the check on.
    // (A browser navigation's success is its redirect.)
    const answered = new Set(seen.filter((s) => s.status >= 200 && s.status < 400).map((s) => s.op));
    const documented = Object.entries(doc.json.paths as Record<string, object>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`));
    const missing = documented.filter((op) => !answered.has(op));
    expect(missing.sort()).toEqual([
      'DELETE /v1/user/passkeys/:id',
      'POST /v1/admin/users/:user/passkeys/reset',
      'POST /v1/admin/users/:user/totp/reset',
      'POST /v1/auth/header',
      'POST /v1/passkeys/login',
      'POST /v1/passkeys/login/options',
      'POST /v1/user/passkeys',
      'POST /v1/user/totp/confirm',
      'POST /v1/user/totp/enrol',
    ]);
    expect(seen.find((s) => s.op === 'POST /v1/admin/users/:user/totp/reset')!.answer.json.error.code).toBe('TOTP_DISABLED');
    expect(seen.find((s) => s.op === 'POST /v1/admin/users/:user/passkeys/reset')!.answer.json.error.code).toBe('PASSKEY_NOT_FOUND');
    expect(director.proc.lines.filter((l) => l.includes('does not match its declared model') || l.includes('has no declared model'))).toEqual([]);
  }, 90_000);

  test('rejects: an answer that breaks its model is a loud 500 ANSWER_MISMATCH, not a quiet change on the wire', async () => {
    const { Elysia, t: typebox } = await import('elysia');
    const { answerCheck } = await import('../../director/http/answer-check.ts');
    const { builtAnswer } = await import('../../director/http/built-answer.ts');
    const { errorHandler } = await import('../../shared/http/error-handler.ts');
    const lines: string[] = [];
    const { createLogger } = await import('../../shared/log.ts');
    const log = createLogger({}, 'info', (l) => lines.push(l));
    const model = typebox.Object({ user: typebox.String(), expiresAt: typebox.String({ format: 'date-time' }) });
    let routes: readonly { method: string; path: string; hooks?: { response?: Record<string, TSchema> } }[] = [];
    const app = new Elysia()
      .use(errorHandler(log))
      .use(answerCheck(() => routes, log))
      .get('/extra', () => ({ user: 'alice', expiresAt: '2026-01-01T00:00:00.000Z', token: 'secret' }), { response: { 200: model } })
      .get('/built-extra', () => builtAnswer({ user: 'alice', expiresAt: '2026-01-01T00:00:00.000Z', token: 'secret' }), { response: { 200: model } })
      .get('/renamed', () => ({ username: 'alice', expiresAt: '2026-01-01T00:00:00.000Z' }) as never, { response: { 200: model } })
      .get('/fine', () => ({ user: 'alice', expiresAt: '2026-01-01T00:00:00.000Z' }), { response: { 200: model } });
    routes = app.routes as never;
    for (const path of ['/extra', '/built-extra', '/renamed']) {
      const response = await app.handle(new Request(`http://localhost${path}`));
      expect([response.status, ((await response.json()) as { error: { code: string } }).error.code]).toEqual([500, 'ANSWER_MISMATCH']);
    }
    expect((await app.handle(new Request('http://localhost/fine'))).status).toBe(200);
    // A HEAD is checked against its GET route's model, not refused as undeclared.
    expect((await app.handle(new Request('http://localhost/fine', { method: 'HEAD' }))).status).toBe(200);
    expect(lines.filter((l) => l.includes('does not match its declared model'))).toHaveLength(3);
    expect(lines.join('\n')).not.toContain('secret');
  });
});

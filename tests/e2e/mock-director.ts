/**
 * A stand-in for the director's HTTP API, for browser tests of UI states the real director rarely shows
 * on demand (RADIUS-style OTP challenge, 429 with Retry-After, server down, rich fleet data for
 * screenshots). It serves the real web app through webRoutes() and answers /v1/* from memory following
 * the contract in the web app's types. Plain HTTP on 127.0.0.1 (a secure context for Chromium).
 *
 * Users: alice/alice-pw (user), admin/admin-pw (admin), otto/otto-pw (needs otp 123456 after a
 * challenge), locked/* (429, Retry-After 42), down/* (502 without an envelope). Starting a console
 * session fails with DCV's "All licenses in use"; `state.expired` makes every call a 401 SESSION_EXPIRED,
 * `state.revoked` a 401 SESSION_REVOKED. Revoking ws01's agent, which has a live session, answers 409
 * AGENT_HAS_SESSIONS until the body says {"force": true}; POST /v1/admin/agents/bulk "clear" removes
 * revoked or pending entries. Like the real director, a pool session is also listed under its server.
 * Session starts are recorded in `bodies`; with `poolLimit` set, a start on a pool where the user
 * already holds that many sessions answers 409 SESSION_LIMIT_REACHED (max_sessions_per_user). Session
 * screenshots are a small PNG (503 SERVER_OFFLINE on the offline ws03, 409 for orphaned sessions).
 */
import { afterAll, beforeAll } from 'bun:test';
import { Elysia } from 'elysia';
import type { Browser } from 'playwright-core';
import { errorHandler } from '../../shared/http/error-handler.ts';
import { silentLogger } from '../../shared/log.ts';
import { webRoutes } from '../../director/web/routes.ts';
import type { Agent, AdminServer, Session, UserServers } from '../../web/types.ts';
import { launchBrowser, requireChromium } from './browser.ts';
import { mockOverview } from './mock-overview.ts';
import { simulatedPng } from '../fixtures/sim-png.ts';

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const err = (status: number, code: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  Response.json({ error: { code, message, requestId: crypto.randomUUID(), ...extra } }, { status, headers });

const stats = (hostname: string, cpu: number, freeGb: number, totalGb: number, cores: number) => ({
  hostname,
  free_memory: freeGb * 1e9,
  total_memory: totalGb * 1e9,
  cores,
  cpu_usage: cpu,
  load1: cpu / 25,
  load5: cpu / 30,
  load15: cpu / 35,
});

export interface MockDirector {
  url: string;
  state: {
    sessions: Session[];
    agents: Agent[];
    calls: { method: string; path: string }[];
    logins: Record<string, unknown>[];
    /** When set, every authenticated call answers 401 SESSION_EXPIRED. */
    expired: boolean;
    /** When set, every authenticated call answers 401 SESSION_REVOKED (signed out everywhere). */
    revoked: boolean;
    bodies: { path: string; body: unknown }[];
    /** When set, every /v1 call answers like a proxy whose upstream is down (502, HTML, no envelope). */
    down: boolean;
    /** Lifetime of a sign-in (expiresAt in login, /v1/me and /v1/renew). */
    sessionTtlMs: number;
    /** Whether GET /v1/admin/agents carries sessionCount (off: the list is older than the sessions). */
    reportSessionCount: boolean;
    /** Every pool's max_sessions_per_user (undefined: no limit). */
    poolLimit?: number;
  };
  stop(): void;
}

export function startMockDirector(): MockDirector {
  const state: MockDirector['state'] = {
    sessions: [
      {
        id: 'alice-7c1e',
        serverId: 'ws02.example.com',
        owner: 'alice',
        type: 'virtual',
        status: 'running',
        numOfConnections: 0,
        creationTime: ago(3 * 3_600_000),
        lastDisconnectionTime: null,
        pool: 'workstations',
      },
      {
        id: 'alice-90ab',
        serverId: 'ws01.example.com',
        owner: 'alice',
        type: 'virtual',
        status: 'running',
        numOfConnections: 1,
        creationTime: ago(40 * 60_000),
        lastDisconnectionTime: null,
        pool: 'workstations',
      },
      {
        id: 'bob-3f2e',
        serverId: 'ws01.example.com',
        owner: 'bob',
        type: 'virtual',
        status: 'running',
        numOfConnections: 0,
        creationTime: ago(20 * 60_000),
        lastDisconnectionTime: null,
        pool: null,
        unmanaged: true,
      },
    ],
    agents: [
      agent('0f6c2d1e-8d4b-4b7a-9a51-7d1c3b2a9e10', 'ws04.example.com', 'pending', '10.0.4.14'),
      agent('5b0e7a92-1c3d-4e5f-8a9b-0c1d2e3f4a5b', 'ws01.example.com', 'registered', '10.0.4.11'),
      agent('9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d', 'ws02.example.com', 'registered', '10.0.4.12'),
      agent('1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', 'old-ws.example.com', 'revoked', '10.0.9.3'),
      agent('2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e', 'older-ws.example.com', 'revoked', '10.0.9.4'),
    ],
    calls: [],
    logins: [],
    expired: false,
    revoked: false,
    bodies: [],
    down: false,
    sessionTtlMs: 7_200_000,
    reportSessionCount: true,
  };
  const fixedGuids = new Map(state.agents.map((a) => [a.hostname, a.guid]));
  /** Stable across approve / revoke / clear (entries leave state.agents). */
  const guidOf = (host: string) => fixedGuids.get(host)!;
  const sessionCount = (serverId: string) => state.sessions.filter((s) => s.serverId === serverId).length;
  const healthy = { status: 'healthy' as const, since: ago(86_400_000) };
  const servers = (): AdminServer[] => [
    {
      id: 'ws01.example.com',
      guid: guidOf('ws01.example.com'),
      online: true,
      address: '10.0.4.11',
      agentPort: 8446,
      tags: ['gpu=a10', 'cad'],
      stats: stats('ws01.example.com', 34, 41, 64, 16),
      gpus: [{ name: 'NVIDIA A10G', memoryTotalBytes: 24 * 2 ** 30, memoryUsedBytes: 6 * 2 ** 30, utilizationPercent: 35 }],
      lastSeen: ago(4000),
      version: '0.1.0',
      health: healthy,
      stale: false,
      maintenance: null,
      dcvError: null,
      dcvTimeoutMs: null,
      maxVirtualSessions: null,
      sessions: state.sessions.filter((s) => s.serverId === 'ws01.example.com'),
    },
    {
      id: 'ws02.example.com',
      guid: guidOf('ws02.example.com'),
      online: true,
      address: '10.0.4.12',
      agentPort: 8446,
      tags: ['general'],
      stats: stats('ws02.example.com', 12, 22, 32, 8),
      lastSeen: ago(2000),
      version: '0.1.0',
      health: { status: 'unhealthy', reason: 'LICENSES_EXHAUSTED', message: 'All DCV licences are in use', since: ago(600_000) },
      stale: false,
      maintenance: null,
      dcvError: null,
      dcvTimeoutMs: null,
      maxVirtualSessions: null,
      sessions: state.sessions.filter((s) => s.serverId === 'ws02.example.com'),
    },
    {
      id: 'ws03.example.com',
      guid: crypto.randomUUID(),
      online: false,
      address: '10.0.4.13',
      agentPort: 8446,
      tags: ['general'],
      stats: null,
      lastSeen: ago(2 * 3_600_000),
      version: '0.1.0',
      health: { status: 'unhealthy', reason: 'AGENT_UNREACHABLE', message: 'agent on ws03.example.com did not answer within 30000 ms', since: ago(2 * 3_600_000) },
      stale: true,
      maintenance: null,
      dcvError: null,
      dcvTimeoutMs: null,
      maxVirtualSessions: null,
      sessions: [],
    },
  ];
  const mine = (user: string, s: Session[]) => s.filter((x) => x.owner === user);
  const userServers = (user: string): UserServers => ({
    servers: servers()
      .filter((s) => s.id !== 'ws02.example.com')
      .map((s) => ({
        id: s.id,
        online: s.online,
        health: s.health,
        stale: s.stale,
        maintenance: s.maintenance !== null,
        tags: s.tags,
        stats: s.stats,
        lastSeen: s.lastSeen,
        sessions: mine(
          user,
          state.sessions.filter((x) => x.serverId === s.id),
        ),
      })),
    pools: [
      {
        id: 'workstations',
        description: 'Shared Linux workstations for day-to-day engineering',
        members: servers().map((s) => ({ id: s.id, online: s.online, stale: s.stale, maintenance: s.maintenance !== null, health: s.health, sessionCount: s.sessions.length })),
        online: 2,
        sessions: mine(
          user,
          state.sessions.filter((x) => x.pool === 'workstations'),
        ),
      },
    ],
  });

  /** A session's thumbnail as the director answers it: a small PNG; 503 when its host is offline, 409 when orphaned. */
  const screenshotOf = (found: Session | undefined) => {
    if (!found) return err(404, 'SESSION_NOT_FOUND', 'no such session');
    if (state.agents.find((a) => a.hostname === found.serverId)?.state === 'revoked') return err(409, 'INVALID_STATE', 'the session is orphaned');
    if (!servers().find((x) => x.id === found.serverId)?.online) return err(503, 'SERVER_OFFLINE', `${found.serverId} is offline`);
    return new Response(simulatedPng(160, 90), { headers: { 'content-type': 'image/png', 'cache-control': 'private, max-age=30' } });
  };

  const api = new Elysia()
    .onRequest(({ request }) => {
      const path = new URL(request.url).pathname;
      state.calls.push({ method: request.method, path });
      if (state.down) return new Response('<html>502 Bad Gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } });
      if (state.expired && !path.endsWith('/login')) return err(401, 'SESSION_EXPIRED', 'session is not valid; log in again');
      if (state.revoked && !path.endsWith('/login') && path !== '/v1/health') return err(401, 'SESSION_REVOKED', 'signed out; log in again');
    })
    .get('/v1/health', () => ({ status: 'ok' }))
    .post('/v1/:role/login', async ({ params, request }) => {
      const body = (await request.json()) as { userID: string; password: string; otp?: string; state?: string };
      state.logins.push(body);
      if (body.userID === 'down') return new Response('<html>Bad gateway</html>', { status: 502 });
      if (body.userID === 'locked') return err(429, 'TOO_MANY_ATTEMPTS', 'too many failed logins; try again in 42 s', {}, { 'retry-after': '42' });
      const ok = { alice: 'alice-pw', admin: 'admin-pw', otto: 'otto-pw' }[body.userID];
      if (!ok || ok !== body.password) return err(401, 'INVALID_CREDENTIALS', 'invalid user name or password');
      if (body.userID === 'otto' && !(body.otp === '123456' && body.state === 'radius-state-1')) {
        if (body.otp) return err(401, 'INVALID_CREDENTIALS', 'invalid user name or password');
        return err(401, 'INSUFFICIENT_CREDENTIALS', 'Enter the code shown on your hardware token', { expected: ['otp'], state: 'radius-state-1' });
      }
      const role = params.role === 'admin' ? 'admin' : body.userID === 'admin' ? 'admin' : 'user';
      if (params.role === 'admin' && body.userID !== 'admin') return err(403, 'NOT_ADMIN', 'this account may not use the admin interface');
      return new Response(JSON.stringify({ user: body.userID, role, groups: ['engineering'], expiresAt: ago(-state.sessionTtlMs) }), {
        headers: { 'content-type': 'application/json', 'set-cookie': `mock=${body.userID}:${role}; Path=/; HttpOnly; SameSite=Strict` },
      });
    })
    .post('/v1/logout', () => new Response('{"ok":true}', { headers: { 'content-type': 'application/json', 'set-cookie': 'mock=; Path=/; Max-Age=0' } }))
    // One single sign-on provider, so every sign-in page the accessibility suite checks shows its button.
    .get('/v1/auth/oidc/providers', () => ({ providers: [{ name: 'corp', displayName: 'Corp' }], passwordForm: true }))
    .post('/v1/auth/oidc/signout', () => ({}))
    .get('/v1/me', ({ request }) => {
      const who = whoIs(request);
      return who ? { user: who.user, role: who.role, groups: ['engineering'], expiresAt: ago(-state.sessionTtlMs) } : err(401, 'UNAUTHENTICATED', 'not logged in');
    })
    .post('/v1/renew', ({ request }) => withUser(request, (u) => Response.json({ user: u.user, role: u.role, groups: ['engineering'], expiresAt: ago(-state.sessionTtlMs) })))
    .get('/v1/user/servers', ({ request }) => withUser(request, (u) => Response.json(userServers(u.user))))
    // Nothing is shared in the mock (sharing runs against the real director: web-sharing.test.ts).
    .get('/v1/user/shares', ({ request }) => withUser(request, () => Response.json({ sharedWithMe: [], myShares: [] })))
    .get('/v1/user/totp', () => ({ enabled: true, enrolled: false }))
    .post('/v1/user/totp/enrol', () => ({ otpauthUri: 'otpauth://totp/dcvix:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DP&issuer=dcvix', secret: 'JBSWY3DPEHPK3PXPJBSWY3DP' }))
    .post('/v1/user/totp/confirm', async ({ request }) => ({ ok: ((await request.json()) as { code: string }).code === '123456' }))
    .post('/v1/user/sessions', async ({ request }) =>
      withUser(request, async (user) => {
        const body = (await request.json()) as { poolId?: string; serverId?: string; sessionType: 'virtual' | 'console'; new?: boolean };
        state.bodies.push({ path: '/v1/user/sessions', body });
        await Bun.sleep(1200);
        const held = state.sessions.filter((s) => s.owner === user.user && s.pool === body.poolId).length;
        if (body.poolId && state.poolLimit !== undefined && held >= state.poolLimit) {
          const message = `you already have ${held} sessions in pool ${body.poolId}, the most it allows (max_sessions_per_user); end one to start another`;
          return err(409, 'SESSION_LIMIT_REACHED', message, { limit: 'max_sessions_per_user', max: state.poolLimit, poolId: body.poolId });
        }
        if (body.sessionType === 'console') return err(502, 'DCV_FAILED', 'All licenses in use');
        const created: Session = {
          id: `${user.user}-${crypto.randomUUID().slice(0, 4)}`,
          serverId: body.serverId ?? 'ws01.example.com',
          owner: user.user,
          type: body.sessionType,
          status: 'running',
          numOfConnections: 0,
          creationTime: new Date().toISOString(),
          lastDisconnectionTime: null,
          pool: body.poolId ?? null,
        };
        state.sessions.push(created);
        return Response.json({ session: created, reconnected: false });
      }),
    )
    .get('/v1/user/sessions/:id/connection', ({ params }) => {
      const found = state.sessions.find((x) => x.id === params.id);
      if (!found) return err(404, 'SESSION_NOT_FOUND', 'no such session');
      const token = `tok-${found.id}`;
      return {
        sessionId: found.id,
        serverId: found.serverId,
        host: found.serverId,
        port: 8443,
        authToken: token,
        expiresAt: ago(-300_000),
        webUrl: `https://${found.serverId}:8443/?authToken=${token}#${found.id}`,
        dcvUri: `dcv://${found.serverId}:8443/?authToken=${token}#${found.id}`,
        dcvFileUrl: `/v1/user/sessions/${found.id}/connection.dcv`,
      };
    })
    .get('/v1/user/sessions/:id/connection.dcv', ({ params }) => {
      const id = params.id;
      return new Response(`[version]\nformat=1.0\n\n[connect]\nhost=ws01.example.com\nport=8443\nsessionid=${id}\nuser=alice\nauthtoken=tok-${id}\n`, {
        headers: { 'content-type': 'application/x-dcv', 'content-disposition': `attachment; filename="ws01-${id}.dcv"` },
      });
    })
    .get('/v1/user/sessions/:id/screenshot', ({ params, request }) => withUser(request, (u) => screenshotOf(state.sessions.find((x) => x.id === params.id && x.owner === u.user))))
    .delete('/v1/user/sessions/:id', ({ params }) => {
      state.sessions = state.sessions.filter((s) => s.id !== params.id);
      return { ok: true };
    })
    .get('/v1/admin/agents', () => ({ agents: state.agents.map((a) => (state.reportSessionCount ? { ...a, sessionCount: a.state === 'registered' ? sessionCount(a.hostname) : 0 } : a)) }))
    .post('/v1/admin/agents/bulk', async ({ request }) => {
      const bulkBody = (await request.json()) as { action: string; guids: string[] };
      state.bodies.push({ path: '/v1/admin/agents/bulk', body: bulkBody });
      const done: string[] = [];
      const failed: { guid: string; code: string }[] = [];
      for (const guid of bulkBody.guids) {
        const agent = state.agents.find((x) => x.guid === guid);
        if (bulkBody.action === 'clear' && agent && agent.state !== 'registered') (state.agents = state.agents.filter((x) => x !== agent)), done.push(guid);
        else failed.push({ guid, code: agent ? 'AGENT_REGISTERED' : 'AGENT_NOT_FOUND' });
      }
      return { done, failed };
    })
    .post('/v1/admin/agents/:guid/:action', async ({ params, request }) => {
      const found = state.agents.find((x) => x.guid === params.guid);
      if (!found) return err(404, 'AGENT_NOT_FOUND', 'no such agent');
      const body = (await request.text()) || null;
      state.bodies.push({ path: `/v1/admin/agents/${params.guid}/${params.action}`, body: body && JSON.parse(body) });
      const sessions = sessionCount(found.hostname);
      if (params.action === 'revoke' && sessions > 0 && !(body && JSON.parse(body).force === true)) {
        return err(409, 'AGENT_HAS_SESSIONS', `${found.hostname} has ${sessions} live session${sessions === 1 ? '' : 's'}`);
      }
      if (params.action === 'approve') Object.assign(found, { state: 'registered', approvedAt: new Date().toISOString(), approvedBy: 'admin', certNotAfter: ago(-14 * 86_400_000) });
      if (params.action === 'revoke') Object.assign(found, { state: 'revoked', revokedAt: new Date().toISOString() });
      if (params.action === 'deny') state.agents = state.agents.filter((x) => x !== found);
      return { agent: found };
    })
    .get('/v1/servers', () => ({ servers: servers() }))
    .get('/v1/admin/overview', () => mockOverview())
    .get('/v1/sessions', () => ({
      sessions: state.sessions.map((s) => ({ ...s, status: 'running', lastDisconnectionTime: ago(600_000), orphaned: state.agents.find((a) => a.hostname === s.serverId)?.state === 'revoked' })),
    }))
    .get('/v1/sessions/:id/screenshot', ({ params, request }) =>
      withUser(request, (u) => (u.role === 'admin' ? screenshotOf(state.sessions.find((x) => x.id === params.id)) : err(403, 'NOT_ADMIN', 'administrator login required'))),
    )
    .delete('/v1/sessions/:id', ({ params }) => {
      state.sessions = state.sessions.filter((s) => s.id !== params.id);
      return { ok: true };
    })
    .get('/v1/admin/policy', () => ({
      status: {
        loadedAt: ago(3_600_000),
        lastAttemptAt: ago(60_000),
        lastError: 'stored policy version 4: users.json: users.bob.pools must be a list of names',
        files: ['/etc/dcvix/users.json', '/etc/dcvix/pools.json'],
        version: { version: 3, source: 'edit' as const, createdAt: ago(3_600_000), createdBy: 'admin' },
      },
      history: [
        { version: 3, source: 'edit' as const, createdAt: ago(3_600_000), createdBy: 'admin' },
        { version: 1, source: 'files' as const, createdAt: ago(86_400_000), createdBy: 'start-up' },
      ],
      documents: {
        users: {
          admins: ['admin'],
          users: { alice: { servers: ['ws01.example.com'], pools: ['workstations'] } },
          groups: { engineering: { members: ['alice', 'bob'], servers: [], pools: ['workstations'] } },
        },
        pools: { pools: { workstations: { description: 'Shared Linux workstations', servers: ['*'] } } },
      },
    }))
    .get('/v1/admin/audit', () => ({
      events: [
        {
          id: 3,
          time: ago(60_000),
          type: 'agent.approve',
          actor: 'admin',
          target: guidOf('ws01.example.com'),
          clientAddress: '10.0.0.5',
          backend: null,
          outcome: 'success',
          detail: 'ws01.example.com',
        },
        { id: 2, time: ago(300_000), type: 'login', actor: 'mallory', target: null, clientAddress: '10.0.0.66', backend: 'ldap', outcome: 'failure', detail: 'rejected' },
        { id: 1, time: ago(900_000), type: 'login', actor: 'alice', target: null, clientAddress: '10.0.0.7', backend: 'ldap', outcome: 'success', detail: null },
      ],
    }));

  const web = new Elysia().use(errorHandler(silentLogger)).use(webRoutes());
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (req) => (new URL(req.url).pathname.startsWith('/v1/') ? api.handle(req) : web.handle(req)) });
  return { url: `http://127.0.0.1:${server.port}`, state, stop: () => void server.stop(true) };
}

function whoIs(request: Request): { user: string; role: string } | undefined {
  const match = request.headers.get('cookie')?.match(/(?:^|; )mock=([^:;]+):(\w+)/);
  return match ? { user: match[1]!, role: match[2]! } : undefined;
}

function withUser(request: Request, fn: (u: { user: string; role: string }) => Response | Promise<Response>) {
  const who = whoIs(request);
  return who ? fn(who) : err(401, 'UNAUTHENTICATED', 'not logged in');
}

function agent(guid: string, hostname: string, state: Agent['state'], remoteAddress: string): Agent {
  const registered = state !== 'pending';
  return {
    guid,
    hostname,
    state,
    remoteAddress,
    csrFingerprint: new Bun.CryptoHasher('sha256').update(guid).digest('hex'),
    certSerial: registered ? '4f2a9c' : null,
    certNotAfter: registered ? ago(-12 * 86_400_000) : null,
    createdAt: ago(registered ? 30 * 86_400_000 : 120_000),
    approvedAt: registered ? ago(29 * 86_400_000) : null,
    approvedBy: registered ? 'admin' : null,
    revokedAt: state === 'revoked' ? ago(2 * 86_400_000) : null,
    lastSeen: state === 'revoked' ? ago(3 * 86_400_000) : ago(5000),
    keyChangePending: false,
    returning: false,
  };
}

if (import.meta.main) {
  const mockDirector = startMockDirector();
  console.log(`mock director with the web app: ${mockDirector.url}/`);
}

/**
 * Inside a describe block: starts the mock director and Chromium before its tests (handing both to
 * `ready`) and stops them after.
 */
export function withMockDirectorAndBrowser(ready: (mock: MockDirector, browser: Browser) => void): void {
  let mock: MockDirector | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    requireChromium();
    mock = startMockDirector();
    browser = await launchBrowser();
    ready(mock, browser);
  }, 20_000);
  afterAll(async () => {
    await browser?.close();
    mock?.stop();
  });
}

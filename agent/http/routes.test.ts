/** The agent's own API held to its models, and each answer to the director's reader of it. */
import { describe, expect, test } from 'bun:test';
import { Elysia } from 'elysia';
import { readFileSync } from 'node:fs';
import { readCreateAnswer, readSessionList } from '../../director/agent-client/answers.ts';
import { AgentHealthAnswer, AgentStatsAnswer, ConfigAnswer, CreateSessionAnswer, SessionList, SetPermissionsAnswer } from '../../shared/api/agent-api.ts';
import type { AgentStats, DcvSession } from '../../shared/api/agent-wire.ts';
import { matches } from '../../shared/api/model-check.ts';
import { errorHandler } from '../../shared/http/error-handler.ts';
import { attachConnectionInfo } from '../../shared/http/connection-info.ts';
import { silentLogger } from '../../shared/log.ts';
import { DIRECTOR_CN } from '../../shared/pki/names.ts';
import { DcvError, type DcvClient } from '../dcv/commands.ts';
import { agentApi } from './routes.ts';

const stats: AgentStats = { hostname: 'ws1', free_memory: 1, total_memory: 2, cores: 1, cpu_usage: 0, load1: 0, load5: 0, load15: 0 };

/** The API over a fake dcv that starts with `sessions`; `argv` records every command that would have run. */
function agentApp(sessions: DcvSession[] = []) {
  const argv: string[] = [];
  const dcv = {
    listSessions: async () => sessions,
    createSession: async (options: { id: string; owner: string; type: DcvSession['type']; name?: string; permissionsFile?: string }) => {
      const named = options.name === undefined ? '' : ` --name ${options.name}`;
      argv.push(options.permissionsFile ? `create-session ${options.id}${named} ${readFileSync(options.permissionsFile, 'utf8')}` : `create-session ${options.id}${named}`);
      sessions.push({ ...options, numOfConnections: 0, status: 'running', creationTime: '2026-03-01T08:15:30.123Z' });
    },
    closeSession: async (id: string) => void argv.push(`close-session ${id}`),
    setPermissions: async (id: string, file: string) => void argv.push(`set-permissions ${id} ${readFileSync(file, 'utf8')}`),
    setConfig: async (section: string, key: string, value: string) => void argv.push(`set-config ${section}.${key}=${value}`),
  } as unknown as DcvClient;
  const app = new Elysia().use(errorHandler(silentLogger)).use(agentApi({ dcv, stats: async () => stats, onSessionsChanged: () => {}, log: silentLogger }));
  return { app, argv };
}

/** A request to the API; from the director (its certificate's CN, verified) unless `stranger`. */
async function call(app: { handle: (request: Request) => Promise<Response> }, method: string, path: string, init: { body?: string; type?: string; stranger?: boolean } = {}) {
  const request = new Request(`https://agent${path}`, { method, body: init.body, headers: init.type ? { 'content-type': init.type } : {} });
  if (!init.stranger) attachConnectionInfo(request, { remoteAddress: '127.0.0.1', peer: { authorized: true, subjectCn: DIRECTOR_CN, raw: new Uint8Array([1]) } });
  const response = await app.handle(request);
  const text = await response.text();
  return { status: response.status, text, json: text ? JSON.parse(text) : undefined };
}

const session: DcvSession = { id: 's1', owner: 'alice', type: 'virtual', numOfConnections: 2, status: 'running', creationTime: '2026-03-01T08:15:30.123Z', lastDisconnectionTime: null };
const create = JSON.stringify({ userId: 'bob', sessionType: 'console', sessionId: 'bob-1', name: 'Bob’s desk', serverId: 'ws1' });

describe("the agent's API", () => {
  test("ok: every answer matches its model, and the director's reader reads it back whole", async () => {
    const { app, argv } = agentApp([session]);
    const created = await call(app, 'POST', '/v1/sessions', { body: create, type: 'application/json' });
    expect(created.status).toBe(201);
    expect(matches(CreateSessionAnswer, created.json)).toBe(true);
    // Every value a string: the public Go dcvix director decodes the answer as a map of strings.
    expect(Object.values(created.json).every((value) => typeof value === 'string')).toBe(true);
    expect(readCreateAnswer('ws1', created.text, { userId: 'bob', sessionType: 'console', sessionId: 'bob-1' })).toEqual({ id: 'bob-1', owner: 'bob', type: 'console', numOfConnections: 0 });
    const list = await call(app, 'GET', '/v1/sessions');
    expect([list.status, Array.isArray(list.json), matches(SessionList, list.json)]).toEqual([200, true, true]);
    expect(readSessionList('ws1', list.text)).toEqual({
      sessions: [
        session,
        { id: 'bob-1', owner: 'bob', type: 'console', name: 'Bob’s desk', numOfConnections: 0, status: 'running', creationTime: '2026-03-01T08:15:30.123Z', lastDisconnectionTime: null },
      ],
      skipped: 0,
    });
    const config = await call(app, 'POST', '/v1/config', {
      body: JSON.stringify({
        config: [
          { section: 'display', key: 'quality', value: '(30,80)' },
          { section: 'connectivity', key: 'web-port', value: 8443 },
        ],
      }),
    });
    expect([config.status, matches(ConfigAnswer, config.json), config.json.applied]).toEqual([200, true, 2]);
    const stats = await call(app, 'GET', '/v1/stats');
    expect([stats.status, matches(AgentStatsAnswer, stats.json)]).toEqual([200, true]);
    const health = await call(app, 'GET', '/v1/health', { stranger: true });
    expect([health.status, matches(AgentHealthAnswer, health.json)]).toEqual([200, true]);
    const closed = await call(app, 'DELETE', '/v1/sessions/s1');
    expect([closed.status, closed.text]).toEqual([200, '']);
    expect(argv).toEqual(['create-session bob-1 --name Bob’s desk', 'set-config display.quality=(30,80)', 'set-config connectivity.web-port=8443', 'close-session s1']);
  });

  test('ok: permissions text goes to dcv as a file, on create and on PUT /v1/sessions/{id}/permissions', async () => {
    const { app, argv } = agentApp([session]);
    const text = '[groups]\n[aliases]\n[permissions]\n%owner% allow builtin\n%any% deny usb\n';
    const created = await call(app, 'POST', '/v1/sessions', { body: JSON.stringify({ userId: 'bob', sessionType: 'virtual', sessionId: 'bob-2', permissions: text }) });
    expect(created.status).toBe(201);
    const shared = `${text}carol allow display\n`;
    const put = await call(app, 'PUT', '/v1/sessions/s1/permissions', { body: JSON.stringify({ permissions: shared }) });
    expect([put.status, matches(SetPermissionsAnswer, put.json)]).toEqual([200, true]);
    const missing = await call(app, 'PUT', '/v1/sessions/nope/permissions', { body: JSON.stringify({ permissions: shared }) });
    expect([missing.status, missing.json.error.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    expect(argv).toEqual([`create-session bob-2 ${text}`, `set-permissions s1 ${shared}`]);
  });

  test('rejects: each bad field with the code its model gives it, whatever the Content-Type; dcv never runs', async () => {
    const { app, argv } = agentApp([session]);
    const cases: [string, string, string | undefined, string][] = [
      ['POST', '/v1/sessions', '{', 'INVALID_BODY'],
      ['POST', '/v1/sessions', '', 'INVALID_BODY'],
      ['POST', '/v1/sessions', 'null', 'INVALID_BODY'],
      ['POST', '/v1/sessions', '[]', 'INVALID_BODY'],
      ['POST', '/v1/sessions', '{"userId":"-rf","sessionType":"virtual","sessionId":"x"}', 'INVALID_USER'],
      ['POST', '/v1/sessions', '{"userId":"alice","sessionType":"VIRTUAL","sessionId":"x"}', 'INVALID_SESSION_TYPE'],
      ['POST', '/v1/sessions', '{"userId":"alice","sessionType":"virtual","sessionId":"../etc"}', 'INVALID_SESSION_ID'],
      ['POST', '/v1/sessions', '{"__proto__":{"sessionType":"virtual"},"userId":"alice","sessionId":"ok-id"}', 'INVALID_SESSION_TYPE'],
      ['POST', '/v1/sessions', '{"userId":"alice","sessionType":"virtual","sessionId":"x","init":"init.sh"}', 'INVALID_INIT'],
      ['POST', '/v1/sessions', '{"userId":"alice","sessionType":"virtual","sessionId":"x","init":"/opt/a\\nb"}', 'INVALID_INIT'],
      ['POST', '/v1/sessions', '{"userId":"alice","sessionType":"virtual","sessionId":"x","storageRoot":"-r"}', 'INVALID_STORAGE_ROOT'],
      ['POST', '/v1/sessions', '{"userId":"alice","sessionType":"virtual","sessionId":"x","gl":"true"}', 'INVALID_GL'],
      ['POST', '/v1/sessions', '{"userId":"alice","sessionType":"virtual","sessionId":"x","maxConcurrentClients":0}', 'INVALID_MAX_CONCURRENT_CLIENTS'],
      ['POST', '/v1/sessions', '{"userId":"alice","sessionType":"virtual","sessionId":"x","maxConcurrentClients":"2"}', 'INVALID_MAX_CONCURRENT_CLIENTS'],
      ['POST', '/v1/sessions', '{"userId":"alice","sessionType":"virtual","sessionId":"x","name":"--gl=off"}', 'INVALID_SESSION_NAME'],
      ['POST', '/v1/sessions', '{"userId":"alice","sessionType":"virtual","sessionId":"x","name":"a\\u0007b"}', 'INVALID_SESSION_NAME'],
      ['POST', '/v1/sessions', `{"userId":"alice","sessionType":"virtual","sessionId":"x","name":"${'n'.repeat(257)}"}`, 'INVALID_SESSION_NAME'],
      ['POST', '/v1/config', '{"config":[]}', 'INVALID_CONFIG'],
      ['POST', '/v1/config', '{"config":[{"section":"display","key":"quality","value":"-x"}]}', 'INVALID_CONFIG'],
      ['POST', '/v1/config', '{"config":[{"section":"display","key":"quality","value":-1}]}', 'INVALID_CONFIG'],
      // An object whose toString is not a function would break the validator's message: a 400 all the same.
      ['POST', '/v1/config', '{"config":[{"section":{"toString":1},"key":"quality","value":"1"}]}', 'INVALID_CONFIG'],
      ['DELETE', '/v1/sessions/-rf', undefined, 'INVALID_SESSION_ID'],
      ['POST', '/v1/sessions', '{"userId":"alice","sessionType":"virtual","sessionId":"x","permissions":"[permissions]\\n%owner% allow builtin\\n"}', 'INVALID_PERMISSIONS'],
      ['PUT', '/v1/sessions/s1/permissions', '{"permissions":""}', 'INVALID_PERMISSIONS'],
      ['PUT', '/v1/sessions/s1/permissions', '{"permissions":"[groups]\\n[aliases]\\n[permissions]\\nbob allow rootshell\\n"}', 'INVALID_PERMISSIONS'],
      ['PUT', '/v1/sessions/s1/permissions', `{"permissions":"${'x'.repeat(40_000)}"}`, 'INVALID_PERMISSIONS'],
      ['PUT', '/v1/sessions/-rf/permissions', '{"permissions":"x"}', 'INVALID_SESSION_ID'],
    ];
    for (const [method, path, body, code] of cases) {
      for (const type of ['application/json', 'text/plain', undefined]) {
        const answer = await call(app, method, path, { body, type });
        expect({ method, path, body, type, status: answer.status, code: answer.json?.error?.code }).toEqual({ method, path, body, type, status: 400, code });
      }
    }
    expect(argv).toEqual([]);
  });

  test('rejects: a caller without the director certificate hears 401 before any model speaks', async () => {
    const { app } = agentApp();
    for (const [method, path, body] of [
      ['POST', '/v1/sessions', '{'],
      ['POST', '/v1/config', '{"config":[]}'],
      ['DELETE', '/v1/sessions/-rf', undefined],
      ['PUT', '/v1/sessions/s1/permissions', '{'],
      ['GET', '/v1/sessions', undefined],
    ] as const) {
      const answer = await call(app, method, path, { body, type: 'application/json', stranger: true });
      expect({ path, status: answer.status, code: answer.json.error.code }).toEqual({ path, status: 401, code: 'CLIENT_CERT_REQUIRED' });
    }
  });
});

describe("the agent's screenshot route", () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
  /** The API over a fake dcv whose get-screenshot answers `png`, or fails as dcv does. */
  function screenshotApp(fail?: DcvError) {
    const asked: string[] = [];
    const dcv = {
      listSessions: async () => [session],
      getScreenshot: async (id: string, size: { width: number; height: number }) => {
        asked.push(`${id} ${size.width}x${size.height}`);
        if (fail) throw fail;
        return png;
      },
    } as unknown as DcvClient;
    const app = new Elysia().use(errorHandler(silentLogger)).use(agentApi({ dcv, stats: async () => stats, onSessionsChanged: () => {}, log: silentLogger }));
    const get = async (path: string, stranger = false) => {
      const request = new Request(`https://agent${path}`);
      if (!stranger) attachConnectionInfo(request, { remoteAddress: '127.0.0.1', peer: { authorized: true, subjectCn: DIRECTOR_CN, raw: new Uint8Array([1]) } });
      const response = await app.handle(request);
      return { status: response.status, type: response.headers.get('content-type'), body: new Uint8Array(await response.arrayBuffer()) };
    };
    return { get, asked };
  }
  const codeOf = (body: Uint8Array) => JSON.parse(new TextDecoder().decode(body)).error.code;

  test('ok: the PNG as image/png, 160x100 unless the query says otherwise', async () => {
    const { get, asked } = screenshotApp();
    const plain = await get('/v1/sessions/s1/screenshot');
    expect([plain.status, plain.type, [...plain.body]]).toEqual([200, 'image/png', [...png]]);
    expect((await get('/v1/sessions/s1/screenshot?maxWidth=320&maxHeight=200')).status).toBe(200);
    expect(asked).toEqual(['s1 160x100', 's1 320x200']);
  });

  test('rejects: a size outside 16..1920 or not a number is 400 INVALID_SCREENSHOT_SIZE, a bad id 400 INVALID_SESSION_ID; dcv never runs', async () => {
    const { get, asked } = screenshotApp();
    for (const query of ['maxWidth=15', 'maxHeight=1921', 'maxWidth=abc', 'maxWidth=-1', 'maxHeight=1e3', 'maxWidth=']) {
      const answer = await get(`/v1/sessions/s1/screenshot?${query}`);
      expect({ query, status: answer.status, code: codeOf(answer.body) }).toEqual({ query, status: 400, code: 'INVALID_SCREENSHOT_SIZE' });
    }
    const badId = await get('/v1/sessions/-rf/screenshot');
    expect([badId.status, codeOf(badId.body)]).toEqual([400, 'INVALID_SESSION_ID']);
    const stranger = await get('/v1/sessions/s1/screenshot', true);
    expect([stranger.status, codeOf(stranger.body)]).toEqual([401, 'CLIENT_CERT_REQUIRED']);
    expect(asked).toEqual([]);
  });

  test("rejects: dcv failing for a session the host does not have is 404 SESSION_NOT_FOUND; for one it has, dcv's own error", async () => {
    const { get } = screenshotApp(new DcvError('get-screenshot', 1, "Could not find session 'gone'"));
    const gone = await get('/v1/sessions/gone/screenshot');
    expect([gone.status, codeOf(gone.body)]).toEqual([404, 'SESSION_NOT_FOUND']);
    const failing = await get('/v1/sessions/s1/screenshot');
    expect([failing.status, codeOf(failing.body)]).toEqual([502, 'DCV_FAILED']);
  });
});

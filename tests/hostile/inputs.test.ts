import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { approveAgent, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { errorLines, expectClientError, expectHealthy, rawRequest, rowSnapshot, SimAgent } from '../helpers/hostile.ts';
import { call, login, type Call } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { isSessionId } from '../../shared/api/agent-wire.ts';
import { buildBattery, expectInvariant, HOSTILE_IDS, type HostileRequest, type OpenApiOperation } from './battery.ts';

/**
 * Issue "prove it", part 1: every route of the director (enumerated from its OpenAPI document, which a
 * unit test keeps equal to the mounted routes) and of the agent gets malformed JSON, wrong types,
 * missing fields, oversized bodies, unicode and control characters and path traversal in ids. Always
 * a 4xx with a stable code in the error envelope, never a 5xx; the director keeps serving and no row
 * changes.
 */
let director: DirectorHandle;
let agent: AgentHandle;
let sim: SimAgent;
let admin: string;
let alice: string;
let directorCreds: { cert: string; key: string; ca: string };
let agentPort: number;
let serverId: string;
const logStart = { director: 0 };

beforeAll(async () => {
  // Throttling would turn most hostile logins into 429s; raise it so the body checks are what answers.
  director = await startDirector({ config: { throttle: { max_failures: 1000 } } });
  agent = await startAgent(director.url, { config: { hostname: 'ws-hostile', update_interval: '500ms', idle_timeout: 0 } });
  const approved = await approveAgent(director, agent);
  admin = approved.adminCookie;
  serverId = approved.serverId;
  alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
  agentPort = await agent.port();
  const created = await call(`${director.url}/v1/sessions`, {
    method: 'POST',
    ca: director.caPem,
    cookie: admin,
    json: { serverId: approved.serverId, userId: 'alice', sessionType: 'virtual', sessionId: 'keep-me' },
  });
  if (created.status !== 200) throw new Error(`session: ${created.status} ${created.text}`);
  sim = await SimAgent.create('sim-hostile');
  await sim.enrol(director, admin);
  directorCreds = director.clientCredentials();
  logStart.director = director.proc.lines.length;
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

const safeDecode = (text: string) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** Sends one hostile request to the director with the credentials its route family needs. */
function send(request: HostileRequest): Promise<Call> {
  const auth = request.auth === 'admin' ? { cookie: admin } : request.auth === 'user' ? { cookie: alice } : request.auth === 'agent' ? sim.creds : {};
  const headers: Record<string, string> = { ...request.headers };
  if (request.contentType) headers['content-type'] = request.contentType;
  return call(`${director.url}${request.path}`, {
    method: request.method,
    ca: director.caPem,
    headers,
    body: request.body as BodyInit | undefined,
    ...auth,
    ...(request.cookie !== undefined ? { cookie: request.cookie } : {}),
  });
}

describe('hostile input, director', () => {
  test('rejects: every route refuses its hostile battery with a 4xx envelope; nothing changes', async () => {
    const before = await rowSnapshot(director, admin);
    const doc = await call(`${director.url}/v1/openapi.json`, { ca: director.caPem });
    const routes = Object.entries(doc.json.paths as Record<string, Record<string, OpenApiOperation>>).flatMap(([p, ops]) =>
      Object.entries(ops).map(([m, op]) => ({ method: m.toUpperCase(), path: p, op })),
    );
    expect(routes.length).toBeGreaterThan(25);
    let sent = 0;
    const failures: string[] = [];
    const codes = new Map<string, number>();
    for (const route of routes) {
      // Admins may configure any server: that reaches the config parser on a real server.
      const override = route.path === '/v1/user/servers/{server}/config' ? { auth: 'admin' as const, params: { server: serverId } } : {};
      const battery = buildBattery(route.method, route.path, route.op, override);
      // A few requests at once: the director must cope with interleaved garbage too.
      for (let start = 0; start < battery.length; start += 8) {
        const slice = battery.slice(start, start + 8);
        const answers = await Promise.all(slice.map(send));
        slice.forEach((req, index) => {
          const key = `${route.method} ${route.path} ${answers[index]!.status} ${answers[index]!.json?.error?.code ?? ''}`;
          codes.set(key, (codes.get(key) ?? 0) + 1);
          try {
            expectInvariant(req, answers[index]!);
          } catch (err) {
            failures.push((err as Error).message.split('\n').slice(0, 3).join(' '));
          }
        });
        sent += slice.length;
      }
      await expectHealthy(director, `after ${route.method} ${route.path}`);
    }
    // DCVIX_HOSTILE_DEBUG=1 shows which check answered what, to see the battery reaches the parsers.
    if (process.env.DCVIX_HOSTILE_DEBUG) console.error([...codes].map(([k, n]) => `${k} x${n}`).join('\n'), `\n${sent} requests`);
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(1000);
    expect(await rowSnapshot(director, admin)).toEqual(before);
    expect(errorLines(director.proc.lines, logStart.director)).toEqual([]);
  }, 120_000);

  test('rejects: a Content-Length over the limit gets 413 before any body byte is sent', async () => {
    const doc = await call(`${director.url}/v1/openapi.json`, { ca: director.caPem });
    const posts = Object.entries(doc.json.paths as Record<string, Record<string, unknown>>).flatMap(([template, ops]) =>
      Object.keys(ops)
        .filter((method) => method !== 'get')
        .map((method) => ({ method: method.toUpperCase(), path: template.replace(/\{\w+\}/g, 'x') })),
    );
    for (const { method, path } of posts) {
      const response = await rawRequest(director.port, `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nCookie: ${admin}\r\nContent-Length: 1000000000\r\n\r\n`, {
        ca: director.caPem,
        timeoutMs: 3000,
      });
      expect([`${method} ${path}`, response.status]).toEqual([`${method} ${path}`, 413]);
      const body = JSON.parse(response.body);
      expect(body.error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(response.ms).toBeLessThan(2000);
    }
    await expectHealthy(director, 'after oversized declarations');
  }, 30_000);

  test('rejects: a chunked body is cut off at the limit, not read to the end', async () => {
    const chunk = (n: number) => `${n.toString(16)}\r\n${'x'.repeat(n)}\r\n`;
    const chunks = Array.from({ length: 64 }, () => chunk(8192));
    const response = await rawRequest(director.port, 'POST /v1/agent/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', {
      ca: director.caPem,
      chunks,
      gapMs: 15,
      timeoutMs: 5000,
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    // 64 KiB limit: the answer comes after about 8 of the 64 chunks.
    expect(response.chunksSent).toBeLessThan(32);
    await expectHealthy(director, 'after a chunked flood');
  }, 30_000);

  test('rejects: the 413 envelope carries a requestId like every other error', async () => {
    const response = await call(`${director.url}/v1/user/login`, { method: 'POST', ca: director.caPem, body: 'x'.repeat(70_000) });
    expectClientError(response, 'oversized login');
  }, 30_000);

  test('rejects: an over-long request line gets the JSON envelope too', async () => {
    const response = await call(`${director.url}/v1/user/connectiontoken?sessionId=${'x'.repeat(20_000)}`, { ca: director.caPem, cookie: alice });
    expectClientError(response, 'over-long URL');
  }, 30_000);

  test('rejects: raw traversal and odd request lines are answered in the envelope', async () => {
    const cases: [string, string][] = [
      ['GET', '/v1/user/sessions/../../admin/agents'],
      ['GET', '/v1/user/sessions/..%2f..%2fadmin%2fagents/connection'],
      ['GET', '/v1/user/sessions/%2e%2e%2f%2e%2e%2fetc%2fpasswd/connection.dcv'],
      ['DELETE', '/v1/user/sessions/keep-me%00'],
      ['DELETE', '/v1/user/sessions/keep-me%2f..%2f..%2fx'],
      ['DELETE', '/v1/sessions/..%5c..%5cwindows'],
      ['POST', '/v1/admin/agents/..%2f..%2f..%2f/revoke'],
      ['GET', '/v1/user/connectiontoken?sessionId=../../keep-me&serverId=%00'],
      ['GET', '/v1/user/sessions/%c0%ae%c0%ae%c0%af/connection'],
      ['GET', '//v1//user//servers'],
      ['GET', `/v1/user/sessions/${'a'.repeat(6000)}/connection`],
    ];
    for (const [method, path] of cases) {
      const response = await rawRequest(director.port, `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${alice}\r\nContent-Length: 0\r\n\r\n`, { ca: director.caPem });
      const asCall = { status: response.status, text: response.body, json: JSON.parse(response.body), headers: new Headers() };
      expectClientError(asCall, `${method} ${path}`);
    }
    // A Host that is no valid authority is refused by the front before anything routes.
    const hostHeader = await rawRequest(director.port, 'GET /v1/me HTTP/1.1\r\nHost: evil<script>:99999\r\nContent-Length: 0\r\n\r\n', { ca: director.caPem });
    expect({ status: hostHeader.status, code: JSON.parse(hostHeader.body).error.code }).toEqual({ status: 400, code: 'MALFORMED_REQUEST' });
    await expectHealthy(director, 'after raw traversal');
    const keep = await call(`${director.url}/v1/sessions`, { ca: director.caPem, cookie: admin });
    expect(keep.json.sessions.map((s: { id: string }) => s.id)).toContain('keep-me');
  }, 30_000);
});

describe('hostile input, agent API', () => {
  const agentCall = (method: string, path: string, init: Parameters<typeof call>[1] = {}) =>
    call(`https://127.0.0.1:${agentPort}${path}`, { method, ...directorCreds, checkServerIdentity: () => undefined, ...init });

  test('rejects: the agent refuses malformed bodies and ids; dcv never runs', async () => {
    const argvLog = join(agent.dir, 'dcv-argv.log');
    const argvBefore = readFileSync(argvLog, 'utf8')
      .split('\n')
      .filter((l) => l && !l.includes('list-sessions')).length;
    const stateBefore = readFileSync(join(agent.dir, 'dcv-state.json'), 'utf8');
    const bodies: (string | Uint8Array)[] = [
      '',
      '{',
      'null',
      '[]',
      '"x"',
      '123',
      '{"userId":',
      new Uint8Array([0xff, 0xfe, 0x00, 0x7b]),
      '\ufeff{}',
      '['.repeat(20_000) + ']'.repeat(20_000),
      '{}',
      '{"userId":"alice"}',
      '{"userId":"alice","sessionType":"virtual"}',
      '{"userId":"-rf","sessionType":"virtual","sessionId":"x"}',
      '{"userId":"alice","sessionType":"virtual","sessionId":"../../etc"}',
      '{"userId":"alice\\u0000","sessionType":"virtual","sessionId":"ok-id"}',
      '{"userId":"alice","sessionType":"VIRTUAL","sessionId":"ok-id"}',
      '{"userId":["alice"],"sessionType":"virtual","sessionId":"ok-id"}',
      '{"userId":"alice","sessionType":"virtual","sessionId":"ok\\nid"}',
      '{"userId":"alice","sessionType":"virtual","sessionId":"\\u202eok"}',
      '{"userId":"alice","sessionType":"virtual","sessionId":1}',
      '{"__proto__":{"sessionType":"virtual"},"userId":"alice","sessionId":"ok-id"}',
    ];
    const configBodies: string[] = [
      '{}',
      '{"config":null}',
      '{"config":{}}',
      '{"config":[]}',
      '{"config":[null]}',
      '{"config":[{}]}',
      `{"config":[${Array(65).fill('{"section":"display","key":"quality","value":"1"}').join(',')}]}`,
      '{"config":[{"section":"Display","key":"quality","value":"1"}]}',
      '{"config":[{"section":"display","key":"../x","value":"1"}]}',
      '{"config":[{"section":"display","key":"quality","value":"-x"}]}',
      '{"config":[{"section":"display","key":"quality","value":"a\\nb"}]}',
      '{"config":[{"section":"display","key":"quality","value":"\\u0085"}]}',
      `{"config":[{"section":"display","key":"quality","value":"${'x'.repeat(1025)}"}]}`,
      '{"config":[{"section":"display","key":"quality","value":{"a":1}}]}',
      '{"config":[{"section":"display","key":"quality","value":null}]}',
    ];
    const requests: [string, string, string | Uint8Array | undefined, string | undefined][] = [
      ...bodies.map((b): [string, string, string | Uint8Array, string] => ['POST', '/v1/sessions', b, 'application/json']),
      ...bodies.slice(0, 6).map((b): [string, string, string | Uint8Array, string] => ['POST', '/v1/sessions', b, 'multipart/form-data; boundary=zz']),
      ...configBodies.map((b): [string, string, string, string] => ['POST', '/v1/config', b, 'application/json']),
      // Well-formed but unknown ids reach dcv and come back 502: see the known-bug test below.
      ...HOSTILE_IDS.filter((id) => !isSessionId(safeDecode(id))).map((id): [string, string, undefined, undefined] => ['DELETE', `/v1/sessions/${id}`, undefined, undefined]),
      ['PUT', '/v1/sessions', '{}', 'application/json'],
      ['GET', '/v1/nope', undefined, undefined],
    ];
    for (const [method, path, body, ct] of requests) {
      const response = await agentCall(method, path, { body: body as BodyInit | undefined, headers: ct ? { 'content-type': ct } : {} });
      expectClientError(response, `agent ${method} ${path} ${typeof body === 'string' ? body.slice(0, 60) : ''}`);
    }
    // GET routes ignore bodies and answer.
    for (const path of ['/v1/sessions', '/v1/stats', '/v1/health']) expect((await agentCall('GET', path)).status).toBe(200);
    const argvAfter = readFileSync(argvLog, 'utf8')
      .split('\n')
      .filter((l) => l && !l.includes('list-sessions')).length;
    expect(argvAfter).toBe(argvBefore);
    expect(readFileSync(join(agent.dir, 'dcv-state.json'), 'utf8')).toBe(stateBefore);
    expect(errorLines(agent.proc.lines)).toEqual([]);
  }, 30_000);

  test('rejects: oversized bodies to the agent get 413 before they are read', async () => {
    for (const path of ['/v1/sessions', '/v1/config']) {
      const response = await rawRequest(agentPort, `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n`, {
        ca: director.caPem,
        cert: directorCreds.cert,
        key: directorCreds.key,
        timeoutMs: 3000,
        anyServerName: true,
      });
      expect(response.status).toBe(413);
      expect(JSON.parse(response.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    }
    expect((await agentCall('GET', '/v1/health')).status).toBe(200);
  }, 30_000);

  test('rejects: closing a session the host does not have is a 404, not a 502', async () => {
    const response = await agentCall('DELETE', '/v1/sessions/no-such-session');
    expectClientError(response, 'agent DELETE unknown session');
    expect(response.json.error.code).toBe('SESSION_NOT_FOUND');
  }, 30_000);
});

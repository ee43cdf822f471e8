import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigRequest, parseCreateSessionRequest } from '../../shared/api/agent-api.ts';
import { isSessionId } from '../../shared/api/agent-wire.ts';
import { approveAgent, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { errorLines, expectHealthy, mulberry32, rowSnapshot, SimAgent } from '../helpers/hostile.ts';
import { call, login, type Call } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { authOf, enc, expectInvariant, HOSTILE_IDS, HOSTILE_STRINGS, MALFORMED, type Auth, type HostileRequest, type OpenApiOperation } from './battery.ts';

/**
 * Property-based fuzzing of every JSON route of the director and the agent with a seeded generator
 * (mulberry32): a fixed number of cases from a fixed seed, so CI is deterministic and a failure names
 * the seed and case to replay. Same invariants as inputs.test.ts: never a 5xx, a 4xx envelope with a
 * stable code, the director keeps serving, no row changes, dcv never runs.
 * DCVIX_FUZZ_SEED and DCVIX_FUZZ_CASES override the defaults (e.g. a nightly run with a random seed).
 */
const SEED = Number(process.env.DCVIX_FUZZ_SEED ?? 0x5eed5);
const CASES = Number(process.env.DCVIX_FUZZ_CASES ?? 500);

let director: DirectorHandle;
let agent: AgentHandle;
let sim: SimAgent;
let admin: string;
let alice: string;
let agentPort: number;
let directorCreds: { cert: string; key: string; ca: string };

beforeAll(async () => {
  director = await startDirector({ config: { throttle: { max_failures: 1000 } } });
  agent = await startAgent(director.url, { config: { hostname: 'ws-fuzz', update_interval: '500ms', idle_timeout: 0 } });
  const approved = await approveAgent(director, agent);
  admin = approved.adminCookie;
  alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
  agentPort = await agent.port();
  const created = await call(`${director.url}/v1/sessions`, {
    method: 'POST',
    ca: director.caPem,
    cookie: admin,
    json: { serverId: approved.serverId, userId: 'alice', sessionType: 'virtual', sessionId: 'fuzz-keep' },
  });
  if (created.status !== 200) throw new Error(`session: ${created.status} ${created.text}`);
  sim = await SimAgent.create('sim-fuzz');
  await sim.enrol(director, admin);
  directorCreds = director.clientCredentials();
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

/** A route the fuzzer may hit: the director's (from OpenAPI) or the agent's. */
interface Target {
  program: 'director' | 'agent';
  method: string;
  path: string;
  auth: Auth | 'director';
  fields: string[];
  query: string[];
}

const AGENT_ROUTES: Target[] = [
  { program: 'agent', method: 'POST', path: '/v1/sessions', auth: 'director', fields: ['userId', 'sessionType', 'sessionId'], query: [] },
  { program: 'agent', method: 'POST', path: '/v1/config', auth: 'director', fields: ['config'], query: [] },
  { program: 'agent', method: 'DELETE', path: '/v1/sessions/{id}', auth: 'director', fields: [], query: [] },
  { program: 'agent', method: 'GET', path: '/v1/sessions', auth: 'director', fields: [], query: [] },
  { program: 'agent', method: 'GET', path: '/v1/stats', auth: 'director', fields: [], query: [] },
];

/** The generator: everything it makes comes from `rnd`, so (seed, case) replays exactly. */
function generator(rnd: () => number) {
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
  const CHAR_POOLS = [
    'abcdefghijklmnopqrstuvwxyz',
    'ABCXYZ0123456789-_.@',
    ' \t\r\n\u0000\u0001\u001b\u007f\u0085\u2028\u2029',
    '"\'\\/<>&;|`$(){}[]%*?#~!=+,:',
    'éßøñ中文日本語한국어Ωπ√∞',
    '\u202e\u200b\ufeff\ufffd\ud800\udc00',
    '😀🔥💣🧨',
  ];
  const randomString = (): string => {
    const roll = rnd();
    if (roll < 0.3) return pick(HOSTILE_STRINGS);
    const len = roll < 0.95 ? int(40) : 500 + int(4000);
    let text = '';
    for (let index = 0; index < len; index++) text += pick([...pick(CHAR_POOLS)]);
    return text;
  };
  const value = (depth: number): unknown => {
    const roll = rnd();
    if (roll < 0.45) return randomString();
    if (roll < 0.6) return pick([0, -1, 1, 2 ** 53, -(2 ** 63), 1.5, 1e308, -1e-308, 65536, 8446]);
    if (roll < 0.67) return pick([true, false, null]);
    if (roll < 0.8 && depth < 4) return Array.from({ length: int(5) }, () => value(depth + 1));
    if (depth < 4) return object([], depth + 1);
    return randomString();
  };
  const object = (fields: string[], depth = 0): Record<string, unknown> => {
    const object: Record<string, unknown> = {};
    for (const field of fields) if (rnd() < 0.8) object[field] = value(depth);
    for (let index = int(3); index > 0; index--)
      object[rnd() < 0.5 ? pick(['__proto__', 'constructor', 'toString', 'role', 'admin', 'state', 'guid']) : randomString().slice(0, 20)] = value(depth + 1);
    return object;
  };
  const mutate = (text: string): string => {
    const at = int(text.length + 1);
    const roll = rnd();
    if (roll < 0.33) return text.slice(0, at);
    if (roll < 0.66) return text.slice(0, at) + pick(['"', '{', '}', ',', ':', '\\', '\u0000', '[', 'e9']) + text.slice(at);
    return text.slice(0, at) + text.slice(at + 1 + int(4));
  };
  const body = (target: Target): string | Uint8Array => {
    const roll = rnd();
    if (roll < 0.1) return Uint8Array.from({ length: int(200) }, () => int(256));
    if (roll < 0.2) return pick(MALFORMED);
    let text: string;
    if (target.path === '/v1/config' || target.path.endsWith('/config'))
      text = JSON.stringify({ config: Array.from({ length: int(4) }, () => (rnd() < 0.8 ? object(['section', 'key', 'value']) : value(1))) });
    else text = JSON.stringify(object(target.fields));
    return roll < 0.3 ? mutate(text) : text;
  };
  const id = (): string => (rnd() < 0.5 ? pick(HOSTILE_IDS) : enc(randomString().slice(0, 80)) || 'x');
  const contentType = () =>
    pick(['application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=b', undefined, 'application/json; charset=latin1']);
  return { int, pick, rnd, body, id, contentType, randomString };
}

describe('fuzz', () => {
  test(`rejects: ${CASES} generated requests (seed ${SEED}) keep every invariant`, async () => {
    const doc = await call(`${director.url}/v1/openapi.json`, { ca: director.caPem });
    const directorRoutes: Target[] = Object.entries(doc.json.paths as Record<string, Record<string, OpenApiOperation>>).flatMap(([path, ops]) =>
      Object.entries(ops).map(([m, op]) => ({
        program: 'director' as const,
        method: m.toUpperCase(),
        path,
        auth: authOf(op),
        fields: Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {}),
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      })),
    );
    // Weighted towards routes that parse a body: that is where the parsers are.
    const targets = [...directorRoutes, ...AGENT_ROUTES].flatMap((t) => (t.method === 'GET' ? [t] : [t, t, t]));
    const before = await rowSnapshot(director, admin);
    const dcvState = readFileSync(join(agent.dir, 'dcv-state.json'), 'utf8');
    const directorLog = director.proc.lines.length;
    const agentLog = agent.proc.lines.length;
    const failures: string[] = [];
    let skippedValid = 0;

    for (let caseNumber = 0; caseNumber < CASES; caseNumber++) {
      const gen = generator(mulberry32(SEED + caseNumber));
      const target = gen.pick(targets);
      const path = target.path.replace(/\{\w+\}/g, () => gen.id());
      const query = target.query.filter(() => gen.rnd() < 0.5).map((q) => `${q}=${enc(gen.randomString().slice(0, 200))}`);
      const body = target.method === 'GET' ? undefined : gen.body(target);
      // An agent request the shared validators accept would really run dcv: not a hostile case.
      if (target.program === 'agent' && acceptedByAgent(target.method, path, body)) {
        skippedValid++;
        continue;
      }
      // Logging out with the test's own cookie would (rightly) revoke it for the rest of the run.
      const auth: Auth | 'director' = target.path === '/v1/logout' ? 'none' : gen.rnd() < 0.85 ? target.auth : gen.pick(['none', 'user', 'admin', 'agent'] as const);
      const req: HostileRequest = {
        method: target.method,
        path: path + (query.length ? `?${query.join('&')}` : ''),
        auth: auth === 'director' ? 'none' : auth,
        body,
        contentType: gen.contentType(),
        label: `case ${caseNumber} (seed ${SEED + caseNumber}) ${target.program} ${target.method} ${target.path}`,
      };
      let res: Call;
      try {
        res = await send(target.program, req, auth);
      } catch (err) {
        failures.push(`${req.label}: request failed: ${(err as Error).message}`);
        continue;
      }
      try {
        expectInvariant(req, res);
      } catch (err) {
        failures.push((err as Error).message.split('\n').slice(0, 2).join(' '));
      }
      if (caseNumber % 50 === 49) await expectHealthy(director, `after fuzz case ${caseNumber}`);
    }
    expect(failures).toEqual([]);
    expect(skippedValid).toBeLessThan(CASES / 10);
    expect(await rowSnapshot(director, admin)).toEqual(before);
    expect(readFileSync(join(agent.dir, 'dcv-state.json'), 'utf8')).toBe(dcvState);
    expect(errorLines(director.proc.lines, directorLog)).toEqual([]);
    expect(errorLines(agent.proc.lines, agentLog)).toEqual([]);
  }, 120_000);
});

/** True when the agent would run dcv for this request (a valid create, config or close). */
function acceptedByAgent(method: string, path: string, body: unknown): boolean {
  try {
    if (method === 'DELETE') return isSessionId(decodeURIComponent(path.slice('/v1/sessions/'.length)));
    if (typeof body !== 'string' || method !== 'POST') return false;
    const json = JSON.parse(body);
    if (path === '/v1/sessions') parseCreateSessionRequest(json);
    else if (path === '/v1/config') parseConfigRequest(json);
    else return false;
    return true;
  } catch {
    return false;
  }
}

function send(program: 'director' | 'agent', request: HostileRequest, auth: Auth | 'director'): Promise<Call> {
  const creds = auth === 'admin' ? { cookie: admin } : auth === 'user' ? { cookie: alice } : auth === 'agent' ? sim.creds : auth === 'director' ? directorCreds : {};
  const base = program === 'director' ? director.url : `https://127.0.0.1:${agentPort}`;
  const tls = program === 'director' ? { ca: director.caPem } : { ca: director.caPem, checkServerIdentity: () => undefined };
  return call(`${base}${request.path}`, {
    method: request.method,
    headers: request.contentType ? { 'content-type': request.contentType } : {},
    body: request.body as BodyInit | undefined,
    ...tls,
    ...creds,
  });
}

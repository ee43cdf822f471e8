import { describe, expect, test } from 'bun:test';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Elysia } from 'elysia';
import { ApiError } from '../errors.ts';
import { ConfigBody, CreateSessionBody, SessionList } from './agent-api.ts';
import { RegisterBody } from './agent-enrolment.ts';
import { AgentUpdateBody } from './agent-update.ts';
import { coded } from './coded.ts';
import { firstMismatch, matches, mismatchText, readBody } from './model-check.ts';
import { WireSession } from './wire-session.ts';

const Body = Type.Object({
  name: coded('INVALID_USER', Type.String({ pattern: '^[A-Z][a-z]+$' })),
  tags: Type.Optional(Type.Union([Type.Array(Type.String(), { maxItems: 1 }), Type.Null()])),
  nested: Type.Optional(Type.Object({ count: coded('INVALID_FILTER', Type.Integer()) })),
});

describe('checking a value against its model', () => {
  test('ok: a match reads as the model declares it', () => {
    expect(matches(Body, { name: 'Alice', tags: null })).toBe(true);
    expect(readBody(Body, { name: 'Alice', tags: ['x'] })).toEqual({ name: 'Alice', tags: ['x'] });
  });

  test('rejects: the first wrong field by its path, in a union the branch that got furthest, a pattern in its own case', () => {
    expect(firstMismatch(Body, { name: 'Alice', tags: ['x', 'y'] })).toMatchObject({ path: '/tags', message: 'Expected array length to be less or equal to 1' });
    const wrongName = firstMismatch(Body, { name: 'alice' })!;
    expect(mismatchText(wrongName, 'request body')).toBe(`field "name": expected string to match '^[A-Z][a-z]+$'`);
    expect(mismatchText(firstMismatch(Body, 'x')!, 'request body')).toBe('request body: expected object');
  });

  test('rejects: readBody answers 400 with the code the model gives the failing field, else INVALID_BODY', () => {
    const codeOf = (value: unknown) => {
      try {
        readBody(Body, value);
      } catch (err) {
        expect(err).toBeInstanceOf(ApiError);
        return [(err as ApiError).status, (err as ApiError).code];
      }
    };
    expect(codeOf({ name: 'x' })).toEqual([400, 'INVALID_USER']);
    expect(codeOf({ name: 'Alice', nested: { count: 1.5 } })).toEqual([400, 'INVALID_FILTER']);
    expect(codeOf({ name: 'Alice', tags: 7 })).toEqual([400, 'INVALID_BODY']);
    expect(codeOf(null)).toEqual([400, 'INVALID_BODY']);
  });

  test('ok: a route declaring a wire model leaves it as it was: the keys other agents and directors add are still ignored', async () => {
    const app = new Elysia()
      .post('/update', () => 'ok', { body: AgentUpdateBody })
      .post('/register', () => 'ok', { body: RegisterBody })
      .post('/sessions', () => 'ok', { body: CreateSessionBody })
      .post('/config', () => 'ok', { body: ConfigBody })
      .get('/sessions', () => [], { response: { 200: SessionList } });
    for (const path of ['/update', '/register', '/sessions', '/config'])
      await app.handle(new Request(`http://localhost${path}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }));
    await app.handle(new Request('http://localhost/sessions'));
    const stats = { hostname: 'ws1', free_memory: 1, total_memory: 2, cores: 1, cpu_usage: 0, load1: 0, load5: 0, load15: 0, agent_ip: '10.0.0.5' };
    const cases: [string, Parameters<typeof Value.Check>[0], unknown][] = [
      ['update', AgentUpdateBody, { sessions: [], stats, newKey: 1 }],
      ['register', RegisterBody, { guid: 'g', hostname: 'ws1', csr: 'MIIB', os: 'linux' }],
      ['create', CreateSessionBody, { userId: 'alice', sessionType: 'virtual', sessionId: 's1', serverId: 'ws1' }],
      ['config', ConfigBody, { config: [{ section: 'display', key: 'quality', value: '(30,80)' }], dryRun: false }],
      ['session', WireSession, { id: 's1', owner: 'alice', type: 'virtual', 'num-of-connections': 0, 'x11-display': ':1' }],
    ];
    for (const [what, model, value] of cases) expect({ what, ok: Value.Check(model, value) }).toEqual({ what, ok: true });
  });
});

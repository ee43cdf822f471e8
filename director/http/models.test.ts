import { describe, expect, test } from 'bun:test';
import { Elysia, t } from 'elysia';
import { unauthorized } from '../../shared/errors.ts';
import { errorHandler } from '../../shared/http/error-handler.ts';
import { silentLogger } from '../../shared/log.ts';
import { ServerConfigBody, StartSessionBody } from '../sessions/models.ts';
import { coded, jsonBody, optionalJsonBody } from './models.ts';

/** A small app wired like the director: our error handler, a guard that derives, modelled routes. */
const app = new Elysia().use(errorHandler(silentLogger)).use(
  new Elysia({ name: 'test.guarded' })
    .derive({ as: 'scoped' }, ({ request }) => {
      if (request.headers.get('authorization') !== 'Bearer ok') throw unauthorized('UNAUTHENTICATED', 'not logged in');
      return { who: 'alice' };
    })
    .post('/start', ({ body }) => ({ type: body.sessionType ?? body.type ?? 'virtual', keys: Object.keys(body) }), { ...jsonBody, body: StartSessionBody })
    .post('/config', ({ body }) => ({ n: body.config.length }), { ...jsonBody, body: ServerConfigBody })
    .post('/optional', ({ body }) => body, { ...optionalJsonBody, body: t.Object({ force: t.Optional(t.Boolean()) }) })
    .get('/query', ({ query }) => query, { query: t.Object({ limit: coded('INVALID_FILTER', t.String({ pattern: '^[0-9]+$' })) }) }),
);

async function send(path: string, init: { method?: string; body?: string; auth?: boolean; type?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': init.type ?? 'application/json' };
  if (init.auth !== false) headers.authorization = 'Bearer ok';
  const response = await app.handle(new Request(`http://localhost${path}`, { method: init.method ?? 'POST', body: init.body, headers }));
  return { status: response.status, json: (await response.json()) as { error?: { code: string; message: string; requestId?: string } } & Record<string, unknown> };
}

describe('request models', () => {
  test('rejects: a field that fails its model is 400 naming the field, with the code the model gives it', async () => {
    const bad = await send('/start', { body: JSON.stringify({ poolId: 'p', sessionType: 'root' }) });
    expect(bad.status).toBe(400);
    expect(bad.json.error!.code).toBe('INVALID_SESSION_TYPE');
    expect(bad.json.error!.message).toStartWith('field "sessionType"');
    expect(bad.json.error!.requestId).toBeString();
    const nested = await send('/config', { body: JSON.stringify({ config: [{ section: 'display', key: 7, value: 'x' }] }) });
    expect([nested.status, nested.json.error!.code]).toEqual([400, 'INVALID_CONFIG']);
    expect(nested.json.error!.message).toStartWith('field "config.0.key"');
    const uncoded = await send('/start', { body: JSON.stringify({ serverId: 42 }) });
    expect([uncoded.json.error!.code, uncoded.json.error!.message.startsWith('field "serverId"')]).toEqual(['INVALID_BODY', true]);
    const query = await send('/query?limit=ten', { method: 'GET', body: undefined });
    expect([query.status, query.json.error!.code]).toEqual([400, 'INVALID_FILTER']);
  });

  test('rejects: unreadable JSON is INVALID_JSON, but only after the guard: strangers learn nothing of the input', async () => {
    for (const body of ['{"poolId":', '[1,2]', '"text"', '']) {
      const response = await send('/start', { body });
      expect([response.status, response.json.error!.code]).toEqual([400, 'INVALID_JSON']);
    }
    const stranger = await send('/start', { body: '{"poolId":', auth: false });
    expect([stranger.status, stranger.json.error!.code]).toEqual([401, 'UNAUTHENTICATED']);
    const strangerBadField = await send('/start', { body: JSON.stringify({ sessionType: 'root' }), auth: false });
    expect([strangerBadField.status, strangerBadField.json.error!.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  test('ok: JSON is read whatever the Content-Type; an optional body may be empty; a left-out choice is not filled in', async () => {
    const form = await send('/start', { body: JSON.stringify({ poolId: 'p' }), type: 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(200);
    // Elysia would fill t.UnionEnum's first value ("console") into a missing field; our models must not.
    expect(form.json.type).toBe('virtual');
    expect((await send('/optional', { body: '' })).json).toEqual({});
    expect((await send('/optional', { body: '{"force":true}' })).json).toEqual({ force: true });
  });

  test('rejects: keys that make objects unprintable are dropped, never a 500', async () => {
    const cases: [string, string][] = [
      ['/start', '{"poolId":"p","toString":1}'],
      ['/start', '{"poolId":"p","__proto__":{"admin":true},"constructor":{"valueOf":0}}'],
      // A string field given such an object: the validator's message would print it.
      ['/config', '{"config":[{"section":{"toString":"x"},"key":"k","value":"v"}]}'],
    ];
    for (const [path, body] of cases) {
      const response = await send(path, { body });
      expect(response.status).toBeLessThan(500);
      if (response.status === 200) expect(response.json.keys).not.toContain('toString');
    }
  });
});

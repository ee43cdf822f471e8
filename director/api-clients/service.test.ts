import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../../shared/clock.ts';
import { ApiError } from '../../shared/errors.ts';
import type { AuditEvent } from '../audit/types.ts';
import { createThrottle } from '../auth/throttle.ts';
import { openDatabase } from '../store/db.ts';
import { generateTokenKey, TokenService } from '../tokens/token-service.ts';
import { ApiClients, OAuthError } from './service.ts';
import { createSqliteApiClientStore } from './store.ts';

function setup() {
  const clock = new FakeClock();
  const events: AuditEvent[] = [];
  const tokens = new TokenService({ key: generateTokenKey(), clock });
  const clients = new ApiClients({
    store: createSqliteApiClientStore(openDatabase(':memory:')),
    tokens,
    audit: { record: (event) => void events.push(event), list: async () => [] },
    clock,
    throttle: createThrottle({ enabled: true, max_failures: 3, window: 60_000 }, clock),
    tokenTtlMs: 3_600_000,
  });
  return { clock, events, tokens, clients };
}

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (err: unknown) => (err instanceof OAuthError ? err.error : err instanceof ApiError ? err.code : String(err)),
  );

describe('API clients', () => {
  test('ok: a registered client trades id and secret for an access token that authenticates it; the secret is stored hashed', async () => {
    const { clients, events } = setup();
    const { client, clientSecret } = await clients.register('admin', { name: 'portal', scopes: ['sessions:read', 'sessions:read'], pools: ['eng'] });
    expect(client).toMatchObject({ name: 'portal', scopes: ['sessions:read'], users: null, pools: ['eng'] });
    expect(client.secretHash).not.toContain(clientSecret);
    expect(await Bun.password.verify(clientSecret, client.secretHash)).toBe(true);
    const issued = await clients.issueToken(client.id, clientSecret, '10.0.0.1');
    expect([issued.token_type, issued.expires_in]).toEqual(['Bearer', 3600]);
    expect((await clients.authenticate(issued.access_token)).name).toBe('portal');
    expect(events.map((event) => [event.type, event.actor, event.outcome])).toEqual([
      ['api-client.create', 'admin', 'success'],
      ['api-client.token', 'api-client:portal', 'success'],
    ]);
  });

  test('rejects: bad names and scopes; a taken name', async () => {
    const { clients } = setup();
    expect(await code(clients.register('admin', { name: '', scopes: ['sessions:read'] }))).toBe('INVALID_BODY');
    expect(await code(clients.register('admin', { name: 'x', scopes: ['sessions:admin'] }))).toBe('INVALID_BODY');
    expect(await code(clients.register('admin', { name: 'x', scopes: [] }))).toBe('INVALID_BODY');
    expect(await code(clients.register('admin', { name: 'x', scopes: ['servers:read'], users: ['not a name'] }))).toBe('INVALID_BODY');
    await clients.register('admin', { name: 'x', scopes: ['servers:read'] });
    expect(await code(clients.register('admin', { name: 'x', scopes: ['servers:read'] }))).toBe('API_CLIENT_NAME_TAKEN');
  });

  test('ok: an owners limit is kept with its pools and audited; rejects: owners without pools, beyond the users limit, or not login names', async () => {
    const { clients, events } = setup();
    const { client } = await clients.register('admin', { name: 'sched', scopes: ['sessions:write'], pools: ['eng'], users: ['carol', 'dave'], owners: ['carol'] });
    expect(client).toMatchObject({ users: ['carol', 'dave'], pools: ['eng'], owners: ['carol'] });
    expect(events[0]?.detail).toBe('scopes sessions:write; users carol dave; pools eng; owners beyond the policy carol');
    expect((await clients.list())[0]?.owners).toEqual(['carol']);
    for (const bad of [{ owners: ['*'] }, { owners: ['*'], pools: [] }, { owners: ['erin'], pools: ['eng'], users: ['carol'] }, { owners: ['not a name'], pools: ['eng'] }]) {
      expect(await code(clients.register('admin', { name: 'y', scopes: ['sessions:write'], ...bad }))).toBe('INVALID_BODY');
    }
  });

  test('rejects: wrong secrets and unknown ids are invalid_client, and count in the login throttle', async () => {
    const { clients, events } = setup();
    const { client, clientSecret } = await clients.register('admin', { name: 'portal', scopes: ['sessions:read'] });
    expect(await code(clients.issueToken('nobody', clientSecret, '10.0.0.1'))).toBe('invalid_client');
    for (let attempt = 0; attempt < 3; attempt++) expect(await code(clients.issueToken(client.id, 'wrong', '10.0.0.1'))).toBe('invalid_client');
    expect(await code(clients.issueToken(client.id, clientSecret, '10.0.0.1'))).toBe('TOO_MANY_ATTEMPTS');
    // Another address has its own budget for this client.
    expect(await code(clients.issueToken(client.id, clientSecret, '10.0.0.2'))).toBe('resolved');
    expect(events.filter((event) => event.outcome === 'failure').map((event) => event.detail)).toEqual(['unknown client id', 'wrong secret', 'wrong secret', 'wrong secret']);
  });

  test('rejects: a disabled client at once, tokens from before a rotation, and session tokens as access tokens', async () => {
    const { clients, clock, tokens } = setup();
    const first = await clients.register('admin', { name: 'a', scopes: ['sessions:read'] });
    const before = (await clients.issueToken(first.client.id, first.clientSecret, '10.0.0.1')).access_token;
    clock.advance(1000);
    const rotated = await clients.rotate('admin', first.client.id);
    expect(await code(clients.authenticate(before))).toBe('UNAUTHENTICATED');
    expect(await code(clients.issueToken(first.client.id, first.clientSecret, '10.0.0.1'))).toBe('invalid_client');
    const after = (await clients.issueToken(first.client.id, rotated.clientSecret, '10.0.0.1')).access_token;
    expect((await clients.authenticate(after)).id).toBe(first.client.id);
    await clients.disable('admin', first.client.id);
    expect(await code(clients.authenticate(after))).toBe('UNAUTHENTICATED');
    expect(await code(clients.issueToken(first.client.id, rotated.clientSecret, '10.0.0.3'))).toBe('invalid_client');
    expect(await code(clients.disable('admin', first.client.id))).toBe('API_CLIENT_NOT_FOUND');
    expect(await code(clients.rotate('admin', first.client.id))).toBe('API_CLIENT_NOT_FOUND');
    const session = await tokens.issueSession({ sub: 'alice', role: 'admin', ttlMs: 60_000 });
    expect(await code(clients.authenticate(session.token))).toBe('UNAUTHENTICATED');
    clock.advance(3_600_001);
    expect(await code(clients.authenticate(after))).toBe('SESSION_EXPIRED');
  });
});

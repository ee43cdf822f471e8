import { expect, test } from 'bun:test';
import { Elysia } from 'elysia';
import { FakeClock } from '../../shared/clock.ts';
import { errorHandler } from '../../shared/http/error-handler.ts';
import { silentLogger } from '../../shared/log.ts';
import { sampleServer, stateHolding } from '../../tests/helpers/fleet.ts';
import { parsePolicy } from '../policy/schema.ts';
import { generateTokenKey, TokenService } from '../tokens/token-service.ts';
import { FleetHistory } from './history.ts';
import { fleetSample } from './overview.ts';
import { adminOverviewRoute } from './routes.ts';

const clock = new FakeClock();
const tokens = new TokenService({ key: generateTokenKey(), clock });
const state = stateHolding(clock, [{ server: sampleServer('ws1', { lastSeen: clock.now() }), sessions: [] }]);
const history = new FleetHistory(clock, () => fleetSample(state, 90_000));
history.tick();
const policy = parsePolicy({}, { pools: { all: { servers: ['*'] } } });
const app = new Elysia().use(errorHandler(silentLogger)).use(
  adminOverviewRoute({
    tokens,
    state,
    policy: () => policy,
    history: () => history.series(),
    offlineAfterMs: 90_000,
    director: () => ({ name: 'here:8445', startedAt: 0 }),
  }),
);
const get = async (role?: 'admin' | 'user') => {
  const headers: Record<string, string> = role ? { authorization: `Bearer ${(await tokens.issueSession({ sub: role, role, ttlMs: 60_000 })).token}` } : {};
  const response = await app.handle(new Request('http://localhost/v1/admin/overview', { headers }));
  return { status: response.status, body: await response.json() };
};

test('ok: an admin gets the overview with the samples taken so far', async () => {
  const { status, body } = await get('admin');
  expect(status).toBe(200);
  expect([body.fleet.hosts, body.fleet.healthy, body.pools[0].id, body.history.hosts]).toEqual([1, 1, 'all', [1]]);
});

test('rejects: without a sign-in 401 UNAUTHENTICATED; a user 403 NOT_ADMIN', async () => {
  const anonymous = await get();
  expect([anonymous.status, anonymous.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
  const user = await get('user');
  expect([user.status, user.body.error.code]).toEqual([403, 'NOT_ADMIN']);
});

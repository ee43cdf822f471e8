import { describe, expect, test } from 'bun:test';
import type { ApiClientRecord } from '../api-clients/store.ts';
import { parsePolicy } from '../policy/schema.ts';
import type { ServerEntry, SessionEntry } from '../servers/records.ts';
import type { SessionManagerDeps } from './deps.ts';
import { describeSessions } from './describe.ts';
import { PLACING_GIVE_UP_MS, REQUESTS_KEPT_MS } from './request-states.ts';
import type { SessionRequest } from './request-store.ts';

const NOW = 10_000_000;
const client = { id: 'c1', name: 'portal', scopes: ['sessions:read'], users: null, pools: null, owners: null } as unknown as ApiClientRecord;
const servers = new Map(['ws1', 'ws2'].map((id) => [id, { id, address: '10.0.0.1', tags: [], stats: null, version: null, dcvError: null } as unknown as ServerEntry]));
const live = (id: string, serverId: string) => ({ id, owner: 'alice', type: 'virtual', serverId, state: 'running', numOfConnections: 0, createdAt: 0, orphaned: false }) as unknown as SessionEntry;
const request = (id: string, state: SessionRequest['state'], extra: Partial<SessionRequest> = {}): SessionRequest => ({
  id,
  owner: 'alice',
  clientId: 'c1',
  type: 'virtual',
  state,
  createdAt: NOW,
  updatedAt: NOW,
  ...extra,
});

/** Live sessions on ws1 (online) and ws2 (offline), and requests beside them, as describeSessions reads them. */
function deps(sessions: SessionEntry[], requests: SessionRequest[]) {
  return {
    policy: { current: parsePolicy({ users: {} }, { pools: {} }) },
    state: {
      allSessions: () => sessions,
      server: (id: string) => servers.get(id),
      sessionsOn: () => [],
      isOnline: (server: ServerEntry) => server.id === 'ws1',
      isStale: () => false,
      health: () => ({ status: 'healthy' }),
    },
    endpoint: () => ({ host: 'ws1', port: 8443, webUrlPath: '/' }),
    offlineAfterMs: 30_000,
    clock: { now: () => NOW },
    requests: { list: async (since: number) => requests.filter((row) => row.updatedAt >= since) },
  } as unknown as SessionManagerDeps;
}

describe('describeSessions states', () => {
  test('ok: CREATING while placing, READY once live, DELETED with the reason of a failed create, DELETING and DELETED around a delete, UNKNOWN where the host is out of touch', async () => {
    const sessions = [live('placed', 'ws1'), live('closing', 'ws1'), live('far', 'ws2')];
    const requests = [
      request('placing', 'creating', { name: 'Design review' }),
      request('placed', 'creating'),
      request('failed', 'failed', { reason: 'NO_SERVER_AVAILABLE: every online server of pool eng is in maintenance' }),
      request('closing', 'deleting'),
      request('gone', 'deleted'),
      request('lost', 'creating', { updatedAt: NOW - PLACING_GIVE_UP_MS - 1 }),
      request('forgotten', 'deleted', { updatedAt: NOW - REQUESTS_KEPT_MS - 1 }),
    ];
    const answer = await describeSessions(deps(sessions, requests), client, {});
    const states = answer.Sessions.map((session) => [session.Id, session.State, session.StateReason ?? session.Substate ?? null, 'Server' in session]);
    expect(states).toEqual([
      ['closing', 'DELETING', null, true],
      ['failed', 'DELETED', 'NO_SERVER_AVAILABLE: every online server of pool eng is in maintenance', false],
      ['far', 'UNKNOWN', "the agent on ws2 is offline: the session's state cannot be known", true],
      ['gone', 'DELETED', null, false],
      ['lost', 'DELETED', 'PLACEMENT_LOST: the director placing this session stopped before it finished; create it again', false],
      ['placed', 'READY', null, true],
      ['placing', 'CREATING', 'SESSION_PLACING', false],
    ]);
    expect(answer.Sessions.find((session) => session.Id === 'placing')?.Name).toBe('Design review');
  });

  test('rejects: another client’s requests unless it acts for the owner in a pool it may use; a tag filter matches no session without a server', async () => {
    const requests = [request('theirs', 'failed', { clientId: 'c2', pool: 'lab', reason: 'x' }), request('mine', 'creating')];
    const limited = { ...client, pools: ['eng'] };
    expect((await describeSessions(deps([], requests), limited, {})).Sessions.map((session) => session.Id)).toEqual(['mine']);
    expect((await describeSessions(deps([], requests), client, {})).Sessions.map((session) => session.Id)).toEqual(['mine', 'theirs']);
    expect((await describeSessions(deps([], requests), client, { Filters: [{ Key: 'tag:os', Value: 'linux' }] })).Sessions).toEqual([]);
  });
});

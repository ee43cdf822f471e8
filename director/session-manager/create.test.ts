import { describe, expect, test } from 'bun:test';
import { ApiError } from '../../shared/errors.ts';
import type { ApiClientRecord } from '../api-clients/store.ts';
import { parsePolicy } from '../policy/schema.ts';
import type { ServerEntry, SessionEntry } from '../servers/records.ts';
import { createSessions } from './create.ts';
import type { SessionManagerDeps } from './deps.ts';

const policy = parsePolicy(
  { users: { alice: { servers: [], pools: ['full', 'eng'] } } },
  {
    permissionProfiles: { 'view-only': ['%owner% allow display'] },
    pools: { full: { servers: ['*'] }, eng: { servers: ['*'], session_manager: { init_files: ['/opt/init.sh'], permission_profiles: ['view-only'] } } },
  },
);
const server = { id: 'ws1', address: '10.0.0.1', tags: [], stats: null, version: null, dcvError: null } as unknown as ServerEntry;
const client: ApiClientRecord = {
  id: 'c1',
  name: 'portal',
  secretHash: '',
  scopes: ['sessions:write'],
  users: null,
  pools: null,
  createdAt: 0,
  createdBy: 'admin',
  rotatedAt: null,
  disabledAt: null,
  disabledBy: null,
};

/** Deps whose pool placement records its calls and fails with `failIn`'s error in those pools. */
function fakeDeps(failIn: Record<string, ApiError> = {}) {
  const calls: { pool: string | undefined; extras: unknown }[] = [];
  const deps = {
    policy: { current: policy },
    state: { server: () => server, sessionsOn: () => [], isOnline: () => true, health: () => ({ status: 'healthy' }) },
    endpoint: () => ({ host: 'ws1', port: 8443, webUrlPath: '/' }),
    offlineAfterMs: 30_000,
    sessions: {
      createForUser: async (who: { user: string }, target: { poolId?: string }, type: string, _fresh: boolean, extras: unknown) => {
        calls.push({ pool: target.poolId, extras });
        const failure = failIn[target.poolId ?? ''];
        if (failure) throw failure;
        const session = { id: `${who.user}-1`, owner: who.user, type, serverId: 'ws1', state: 'running', numOfConnections: 0, createdAt: 0 } as unknown as SessionEntry;
        return { session, reconnected: false };
      },
    },
  } as unknown as SessionManagerDeps;
  return { deps, calls };
}

const reasons = async (deps: SessionManagerDeps, items: Parameters<typeof createSessions>[2]) => (await createSessions(deps, client, items)).UnsuccessfulList.map((item) => item.FailureReason);

describe('createSessions items', () => {
  test('ok: placed in the first pool whose allow-list takes the item, with its launch settings, requirements and profile', async () => {
    const { deps, calls } = fakeDeps();
    const b64 = Buffer.from('[permissions]\n%owner% allow display\n').toString('base64');
    const answer = await createSessions(deps, client, [{ Owner: 'alice' }, { Owner: 'alice', InitFile: '/opt/init.sh', DcvGlEnabled: false, Requirements: "tag:gpu = 'a10'", PermissionsFile: b64 }]);
    expect(answer.SuccessfulList.map((session) => [session.Owner, session.State])).toEqual([
      ['alice', 'READY'],
      ['alice', 'READY'],
    ]);
    expect(calls.map((call) => call.pool)).toEqual(['full', 'eng']);
    expect(calls[1]!.extras).toMatchObject({
      launch: { init: '/opt/init.sh', gl: 'off' },
      permissions: { profile: 'view-only', text: '[groups]\n[aliases]\n[permissions]\n%owner% allow display\n' },
      requirements: { kind: 'compare' },
      actor: 'api-client:portal',
    });
  });

  test('ok: a pool without a usable server passes the item to the next pool', async () => {
    const { deps, calls } = fakeDeps({ full: new ApiError(503, 'NO_SERVER_AVAILABLE', 'every online server of pool full is in maintenance') });
    expect((await createSessions(deps, client, [{ Owner: 'alice' }])).SuccessfulList).toHaveLength(1);
    expect(calls.map((call) => call.pool)).toEqual(['full', 'eng']);
  });

  test('rejects: unsupported fields, bad values and files no pool allows, each with its reason, nothing placed', async () => {
    const { deps, calls } = fakeDeps();
    expect(
      await reasons(deps, [
        { Owner: 'alice', Name: 'my desktop' },
        { Owner: 'alice', EnqueueRequest: true },
        { Owner: 'alice', DisableRetryOnFailure: true },
        { Owner: 'alice', InitFile: '/opt/init.sh', InitFilePath: '/opt/other.sh' },
        { Owner: 'alice', Type: 'Console', InitFile: '/opt/init.sh' },
        { Owner: 'alice', Type: 'Remote' },
        { Owner: 'alice', MaxConcurrentClients: 0 },
        { Owner: 'alice', Requirements: 'server:Version = 1' },
        { Owner: 'alice', StorageRoot: '/srv' },
        { Owner: 'not a name' },
      ]),
    ).toEqual([
      'Name is not supported: dcvix creates sessions without a display name (leave Name out)',
      'EnqueueRequest is not supported: dcvix answers at once and queues nothing',
      "DisableRetryOnFailure is not supported: a pool create always tries the pool's next server after a host-side failure",
      'InitFile and InitFilePath (its deprecated name) differ',
      'InitFile and DcvGlEnabled are for Virtual sessions only',
      'Type must be Virtual or Console',
      'MaxConcurrentClients must be a whole number from 1 to 1000',
      'Requirements: at character 1: server:Version is a Session Manager property dcvix agents do not report: no server would ever satisfy it',
      'StorageRoot /srv is not allowed in pool eng (its session_manager.storage_roots)',
      'Owner must be a login name',
    ]);
    expect(calls).toEqual([]);
  });

  test('rejects: owners outside the client’s users limit or the policy', async () => {
    const { deps } = fakeDeps();
    expect(await reasons(deps, [{ Owner: 'bob' }])).toEqual(['NOT_PERMITTED: the policy lets bob use no pool this API client may place in']);
    expect((await createSessions(deps, { ...client, users: ['bob'] }, [{ Owner: 'alice' }])).UnsuccessfulList[0]!.FailureReason).toBe('NOT_PERMITTED: this API client may not act for alice');
  });
});

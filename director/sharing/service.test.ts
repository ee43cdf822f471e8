import { Database } from 'bun:sqlite';
import { describe, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../shared/clock.ts';
import { ApiError, notFound } from '../../shared/errors.ts';
import { silentLogger } from '../../shared/log.ts';
import { sampleServer, sampleSession } from '../../tests/helpers/fleet.ts';
import type { AuditEvent } from '../audit/types.ts';
import { PolicyHolder } from '../policy/holder.ts';
import type { SessionEntry } from '../servers/records.ts';
import { migrateSqlite } from '../store/migrate.ts';
import { SharingService } from './service.ts';
import { createSqliteShareStore } from './share-store.ts';

const HEAD = '[groups]\n[aliases]\n[permissions]\n';

/** alice's session s1 on ws1 (pool eng, profile restricted); bob and carol may use ws1, dan may not. */
function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'dcvix-sharing-'));
  writeFileSync(join(dir, 'users.json'), JSON.stringify({ users: { alice: { pools: ['eng'] }, bob: { servers: ['ws1'] }, carol: { pools: ['eng'] }, dan: { servers: ['ws2'] } } }));
  writeFileSync(
    join(dir, 'pools.json'),
    JSON.stringify({ permissionProfiles: { restricted: ['%owner% allow builtin', '%any% deny usb'] }, pools: { eng: { servers: ['ws1'], permissions: 'restricted' } } }),
  );
  const policy = new PolicyHolder(dir, silentLogger);
  policy.reload();
  const db = new Database(':memory:');
  migrateSqlite(db);
  const shares = createSqliteShareStore(db);
  const clock = new FakeClock(10_000);
  const sessions = new Map<string, SessionEntry>([['s1', sampleSession('s1', 'ws1', { pool: 'eng', createdAt: 5000 })]]);
  const applied: string[] = [];
  let hostFails: ApiError | undefined;
  const audited: AuditEvent[] = [];
  const own = async (id: string, user: string) => {
    const found = sessions.get(id);
    if (!found || found.owner !== user) throw notFound('SESSION_NOT_FOUND', 'no such session');
    return found;
  };
  const sharing = new SharingService({
    shares,
    sessions: { ownSession: own, onlineServer: (id: string) => sampleServer(id), managed: () => true, serialised: (_key, fn) => fn() },
    findSession: async (id) => sessions.get(id),
    isKnownServer: () => true,
    policy,
    agents: {
      setPermissions: async (_server, sessionId, text) => {
        if (hostFails) throw hostFails;
        applied.push(`${sessionId}\n${text}`);
      },
    },
    audit: { record: (event) => void audited.push(event), list: async () => [] },
    clock,
    log: silentLogger,
  });
  const alice = { user: 'alice', groups: [] };
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (err: ApiError) => err.code,
    );
  return {
    sharing,
    shares,
    sessions,
    applied,
    audited,
    clock,
    alice,
    codeOf,
    failHost: (err?: ApiError) => {
      hostFails = err;
    },
  };
}

describe('session sharing', () => {
  test('ok: share, change the role, take back: the host gets the profile plus the share lines each time; audited', async () => {
    const { sharing, shares, applied, audited, alice } = setup();
    await sharing.share(alice, 's1', 'carol', 'collaborator');
    await sharing.share(alice, 's1', 'bob', 'viewer');
    await sharing.share(alice, 's1', 'bob', 'collaborator');
    expect(await sharing.unshare(alice, 's1', 'carol')).toEqual({ applied: true });
    expect(applied).toEqual([
      `s1\n${HEAD}%owner% allow builtin\n%any% deny usb\ncarol allow display keyboard mouse pointer\n`,
      `s1\n${HEAD}%owner% allow builtin\n%any% deny usb\nbob allow display\ncarol allow display keyboard mouse pointer\n`,
      `s1\n${HEAD}%owner% allow builtin\n%any% deny usb\nbob allow display keyboard mouse pointer\ncarol allow display keyboard mouse pointer\n`,
      `s1\n${HEAD}%owner% allow builtin\n%any% deny usb\nbob allow display keyboard mouse pointer\n`,
    ]);
    expect((await shares.ofSession('s1')).map((share) => [share.user, share.role])).toEqual([['bob', 'collaborator']]);
    expect(audited.map((event) => [event.type, event.outcome, event.detail])).toEqual([
      ['session.share', 'success', 'carol as collaborator on ws1'],
      ['session.share', 'success', 'bob as viewer on ws1'],
      ['session.share', 'success', 'bob as collaborator on ws1'],
      ['session.unshare', 'success', 'carol on ws1'],
    ]);
  });

  test('ok: the invitee opens the shared session and the verifier admits them, only while the share stands', async () => {
    const { sharing, sessions, alice } = setup();
    const bob = { user: 'bob', groups: [] };
    await expect(sharing.openable('s1', bob)).rejects.toThrow('no such session');
    await sharing.share(alice, 's1', 'bob', 'viewer');
    expect((await sharing.openable('s1', bob)).id).toBe('s1');
    expect(await sharing.admits(sessions.get('s1')!, 'bob')).toBe(true);
    expect(await sharing.admits(sessions.get('s1')!, 'carol')).toBe(false);
    const listed = await sharing.listFor(bob);
    expect([listed.withMe.map((entry) => [entry.session.id, entry.share.role]), listed.byMe]).toEqual([[['s1', 'viewer']], []]);
    expect((await sharing.listFor(alice)).byMe.map((entry) => entry.share.user)).toEqual(['bob']);
    await sharing.unshare(alice, 's1', 'bob');
    expect(await sharing.admits(sessions.get('s1')!, 'bob')).toBe(false);
    await expect(sharing.openable('s1', bob)).rejects.toThrow('no such session');
    expect((await sharing.listFor(bob)).withMe).toEqual([]);
  });

  test("rejects: unsafe names, the owner, users the policy keeps off the server, others' sessions; nothing is written or sent", async () => {
    const { sharing, shares, applied, codeOf, alice } = setup();
    for (const user of ['bob smith', 'group:eng', '%any%', 'bob\nalice allow builtin', '', 'osgroup:wheel'])
      expect(await codeOf(sharing.share(alice, 's1', user, 'viewer'))).toBe('INVALID_SHARE_USER');
    expect(await codeOf(sharing.share(alice, 's1', 'alice', 'viewer'))).toBe('INVALID_SHARE_USER');
    expect(await codeOf(sharing.share(alice, 's1', 'dan', 'viewer'))).toBe('NOT_PERMITTED');
    expect(await codeOf(sharing.share({ user: 'bob', groups: [] }, 's1', 'carol', 'viewer'))).toBe('SESSION_NOT_FOUND');
    expect(await codeOf(sharing.unshare(alice, 's1', 'bob'))).toBe('SHARE_NOT_FOUND');
    expect([await shares.ofSession('s1'), applied]).toEqual([[], []]);
  });

  test('rejects: a host refusing the new file leaves no share; one failing to take a share back still ends it here (applied: false)', async () => {
    const { sharing, shares, audited, failHost, codeOf, alice } = setup();
    failHost(new ApiError(502, 'DCV_FAILED', 'dcv set-permissions failed (exit 1): boom'));
    expect(await codeOf(sharing.share(alice, 's1', 'bob', 'viewer'))).toBe('DCV_FAILED');
    expect(await shares.ofSession('s1')).toEqual([]);
    failHost(undefined);
    await sharing.share(alice, 's1', 'bob', 'viewer');
    failHost(new ApiError(503, 'SERVER_OFFLINE', 'ws1 is offline'));
    const taken = await sharing.unshare(alice, 's1', 'bob');
    expect(taken).toEqual({ applied: false, message: 'the share is gone, but ws1 was not told: ws1 is offline' });
    expect(await shares.ofSession('s1')).toEqual([]);
    expect(audited.map((event) => [event.type, event.outcome])).toEqual([
      ['session.share', 'failure'],
      ['session.share', 'success'],
      ['session.unshare', 'success'],
    ]);
  });

  test('rejects: a share made for an earlier session of the same id counts for nothing', async () => {
    const { sharing, sessions, clock, alice } = setup();
    await sharing.share(alice, 's1', 'bob', 'viewer');
    clock.advance(1000);
    sessions.set('s1', sampleSession('s1', 'ws1', { pool: 'eng', createdAt: clock.now() }));
    expect(await sharing.admits(sessions.get('s1')!, 'bob')).toBe(false);
    await expect(sharing.openable('s1', { user: 'bob', groups: [] })).rejects.toThrow('no such session');
  });
});

/**
 * The one contract every store implementation passes: the same cases run against bun:sqlite and
 * against PostgreSQL (a private cluster started here, as slapd is for the LDAP tests).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { silentLogger } from '../shared/log.ts';
import { postgresMissingTools, startPostgres, type Postgres } from '../tests/helpers/postgres.ts';
import { tempDir, cleanupTempDirs } from '../tests/helpers/temp.ts';
import { auditPage } from './audit/log.ts';
import { openStores, type DirectorStores } from './open-stores.ts';
import { AuditChain, CHAIN_START } from './audit/chain.ts';
import { verifyChains } from './audit/verify-chain.ts';
import type { SessionRequest } from './session-manager/request-store.ts';

interface Backend {
  name: string;
  open(): Promise<DirectorStores>;
  /** A second, independent handle on the store open() last made (as a second director has). */
  twin(): Promise<DirectorStores>;
}

let pg: Postgres | undefined;
let sqliteDir = '';
const backends: Backend[] = [
  {
    name: 'bun:sqlite',
    open() {
      sqliteDir = tempDir('dcvix-store-');
      return openStores({ url: '', dataDir: sqliteDir }, silentLogger);
    },
    twin: () => openStores({ url: '', dataDir: sqliteDir }, silentLogger),
  },
  {
    name: 'PostgreSQL',
    async open() {
      const stores = await openStores({ url: pg!.urlWithoutPassword, password: pg!.password, dataDir: '' }, silentLogger);
      await stores.sql!`TRUNCATE agents, join_tokens, audit_events, totp_secrets, revoked_tokens, user_valid_after, login_throttle, connection_token_uses, servers, sessions, policy_versions, session_shares, passkeys, passkey_challenges, api_clients RESTART IDENTITY`;
      return stores;
    },
    twin: () => openStores({ url: pg!.urlWithoutPassword, password: pg!.password, dataDir: '' }, silentLogger),
  },
];

const joinToken = (id: string, limits: { uses?: number; expiresAt?: number; hostnamePattern?: string } = {}) => ({
  id,
  secretHash: new Uint8Array(32).fill(5),
  hostnamePattern: limits.hostnamePattern ?? '',
  uses: limits.uses ?? 1,
  expiresAt: limits.expiresAt ?? 10_000,
  createdAt: 1000,
  createdBy: 'admin',
});

beforeAll(async () => {
  if (postgresMissingTools().length) throw new Error(`PostgreSQL 15 is not installed (${postgresMissingTools().join(', ')}): run .ci/install-system-packages.sh`);
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.stop();
  cleanupTempDirs();
});

const reg = (guid: string, hostname: string, now: number, key = 1) => ({
  guid,
  hostname,
  publicKey: new Uint8Array([key, 2, 3]),
  csr: new Uint8Array([9, 9]),
  csrFingerprint: `FP${key}`,
  remoteAddress: '10.0.0.9',
  now,
});

describe.each(backends)('store contract on $name', (backend) => {
  let stores: DirectorStores;
  beforeEach(async () => {
    await stores?.close();
    stores = await backend.open();
  });
  afterAll(async () => stores?.close());

  test('ok: agents: pending -> registered -> revoked with conditional writes', async () => {
    await stores.agents.insertPending(reg('g1', 'ws1', 1000));
    expect(await stores.agents.get('g1')).toMatchObject({ guid: 'g1', hostname: 'ws1', state: 'pending', publicKey: new Uint8Array([1, 2, 3]), createdAt: 1000, approvedAt: null });
    await stores.agents.updatePending({ ...reg('g1', 'ws1b', 2000, 4) });
    expect(await stores.agents.get('g1')).toMatchObject({ hostname: 'ws1b', csrFingerprint: 'FP4', updatedAt: 2000 });
    expect(await stores.agents.pendingCount()).toBe(1);
    expect(await stores.agents.approve('g1', 'admin', 3000)).toMatchObject({ guid: 'g1', state: 'registered', approvedBy: 'admin', approvedAt: 3000, mayCollect: true, hostname: 'ws1b' });
    expect(await stores.agents.approve('g1', 'admin', 3000)).toBeUndefined();
    expect(await stores.agents.recordIssued({ guid: 'g1', publicKey: new Uint8Array([9]), serial: 'ABC', notAfter: 9_000_000, hostname: 'ws1b', now: 3100 })).toBe(false);
    expect(await stores.agents.recordIssued({ guid: 'g1', publicKey: new Uint8Array([4, 2, 3]), serial: 'ABC', notAfter: 9_000_000, hostname: 'ws1b', now: 3100 })).toBe(true);
    expect(await stores.agents.soonestCertificateExpiry()).toBe(9_000_000);
    expect(await stores.agents.registeredHolderOf('ws1b', 'other')).toBe('g1');
    expect(await stores.agents.registeredHolderOf('ws1b', 'g1')).toBeUndefined();
    await stores.agents.markSeen('g1', 3200);
    expect(await stores.agents.get('g1')).toMatchObject({ state: 'registered', approvedBy: 'admin', certSerial: 'ABC', certNotAfter: 9_000_000, lastSeen: 3200 });
    expect(await stores.agents.revoke('g1', 4000)).toBe(true);
    expect(await stores.agents.revoke('g1', 4000)).toBe(false);
    // A certificate made while the revoke landed is not recorded (and so never handed out).
    expect(await stores.agents.recordIssued({ guid: 'g1', publicKey: new Uint8Array([4, 2, 3]), serial: 'DEF', notAfter: 9_000_000, hostname: 'ws1b', now: 4100 })).toBe(false);
    expect((await stores.agents.get('g1'))!.certSerial).toBe('ABC');
    expect(await stores.agents.countByState()).toEqual({ pending: 0, registered: 0, revoked: 1 });
  });

  test('ok: agents: a parked key is adopted or cleared; lists, purge and remove', async () => {
    await stores.agents.insertPending(reg('g1', 'ws1', 1000));
    await stores.agents.approve('g1', 'admin', 1500);
    expect(await stores.agents.adoptConflictingKey('g1', 'admin', 1600)).toBeUndefined();
    await stores.agents.recordKeyConflict('g1', new Uint8Array([7]), new Uint8Array([8]), 'FP7', 1700);
    expect((await stores.agents.get('g1'))!.conflictPublicKey).toEqual(new Uint8Array([7]));
    expect(await stores.agents.adoptConflictingKey('g1', 'admin', 1800)).toMatchObject({ publicKey: new Uint8Array([7]), conflictPublicKey: null, approvedAt: 1800 });
    expect(await stores.agents.get('g1')).toMatchObject({ publicKey: new Uint8Array([7]), conflictPublicKey: null });
    await stores.agents.recordKeyConflict('g1', new Uint8Array([6]), new Uint8Array([8]), 'FP6', 1900);
    await stores.agents.clearConflict('g1', 2000);
    expect((await stores.agents.get('g1'))!.conflictPublicKey).toBeNull();

    await stores.agents.insertPending(reg('g2', 'ws2', 100));
    await stores.agents.insertPending(reg('g3', 'ws3', 5000));
    expect((await stores.agents.list()).map((a) => a.guid)).toEqual(['g2', 'g1', 'g3']);
    expect((await stores.agents.list('pending')).map((a) => a.guid)).toEqual(['g2', 'g3']);
    expect(await stores.agents.purgePendingBefore(1000)).toBe(1);
    expect(await stores.agents.remove('g3')).toBe(true);
    expect(await stores.agents.remove('g3')).toBe(false);
    expect(await stores.agents.get('g3')).toBeUndefined();
    expect(await stores.agents.soonestCertificateExpiry()).toBeUndefined();
  });

  test('ok: agents: an approval is good for one certificate; a returning agent is pending again and not purged', async () => {
    await stores.agents.insertPending(reg('g1', 'ws1', 1000));
    await stores.agents.approve('g1', 'admin', 1100);
    expect(await stores.agents.get('g1')).toMatchObject({ mayCollect: true, returning: false });
    await stores.agents.recordIssued({ guid: 'g1', publicKey: new Uint8Array([1, 2, 3]), serial: 'S1', notAfter: 9_000, hostname: 'ws1', now: 1200 });
    expect((await stores.agents.get('g1'))!.mayCollect).toBe(false);
    expect(await stores.agents.markReturning({ ...reg('g1', 'ws1', 2000), publicKey: new Uint8Array([9]) })).toBe(false);
    expect(await stores.agents.markReturning(reg('g1', 'ws1', 2000))).toBe(true);
    expect(await stores.agents.get('g1')).toMatchObject({ state: 'pending', returning: true });
    expect(await stores.agents.purgePendingBefore(10_000)).toBe(0);
    await stores.agents.approve('g1', 'admin', 3000);
    expect(await stores.agents.get('g1')).toMatchObject({ state: 'registered', returning: false, mayCollect: true });
  });

  test('ok: join tokens: created, listed newest first, used while valid, revoked once', async () => {
    await stores.joinTokens.create(joinToken('aaaa000000000001', { uses: 2, hostnamePattern: 'gpu-*' }));
    await stores.joinTokens.create({ ...joinToken('aaaa000000000002'), createdAt: 2000 });
    expect(await stores.joinTokens.get('aaaa000000000001')).toEqual({
      ...joinToken('aaaa000000000001', { uses: 2, hostnamePattern: 'gpu-*' }),
      used: 0,
      revokedAt: null,
      revokedBy: null,
      lastUsedAt: null,
    });
    expect(await stores.joinTokens.get('nope')).toBeUndefined();
    expect((await stores.joinTokens.list()).map((token) => token.id)).toEqual(['aaaa000000000002', 'aaaa000000000001']);
    expect(await stores.joinTokens.consume('aaaa000000000001', 3000)).toMatchObject({ used: 1, lastUsedAt: 3000 });
    expect(await stores.joinTokens.consume('aaaa000000000001', 10_000)).toBeUndefined(); // expired at 10,000
    expect(await stores.joinTokens.consume('aaaa000000000001', 4000)).toMatchObject({ used: 2 });
    expect(await stores.joinTokens.consume('aaaa000000000001', 4000)).toBeUndefined(); // used up
    expect(await stores.joinTokens.revoke('aaaa000000000002', 'root', 5000)).toMatchObject({ revokedAt: 5000, revokedBy: 'root', used: 0 });
    expect(await stores.joinTokens.revoke('aaaa000000000002', 'root', 6000)).toBeUndefined();
    expect(await stores.joinTokens.consume('aaaa000000000002', 5000)).toBeUndefined(); // revoked
    expect(await stores.joinTokens.revoke('nope', 'root', 6000)).toBeUndefined();
  });

  test('ok: join tokens: agents racing through two store handles (two directors) for the last uses: exactly as many win as there were uses', async () => {
    const twin = await backend.twin();
    try {
      await stores.joinTokens.create(joinToken('bbbb000000000001', { uses: 1 }));
      await stores.joinTokens.create(joinToken('bbbb000000000002', { uses: 5 }));
      for (const [id, uses] of [
        ['bbbb000000000001', 1],
        ['bbbb000000000002', 5],
      ] as const) {
        const racers = Array.from({ length: 12 }, (_, index) => (index % 2 ? twin : stores).joinTokens.consume(id, 2000));
        const won = (await Promise.all(racers)).filter((row) => row !== undefined);
        expect(won.map((row) => row.used).sort((a, b) => a - b)).toEqual(Array.from({ length: uses }, (_, index) => index + 1));
        expect((await twin.joinTokens.get(id))!.used).toBe(uses);
      }
    } finally {
      await twin.close();
    }
  });

  test('ok: policy versions: appended after the newest only, read back whole, listed newest first without documents', async () => {
    const entry = (by: string, admins: string[]) => ({
      users: { admins, groups: { 'Domain Users': { pools: ['eng'] } } },
      pools: { pools: { eng: { servers: ['*'] } } },
      source: 'edit' as const,
      createdAt: 1000,
      createdBy: by,
    });
    expect([await stores.policyVersions.latest(), await stores.policyVersions.latestNumber()]).toEqual([undefined, 0]);
    expect(await stores.policyVersions.append(1, entry('admin', ['a']))).toBeUndefined();
    expect(await stores.policyVersions.append(0, { ...entry('start-up', ['root']), source: 'files' })).toEqual({ version: 1, ...entry('start-up', ['root']), source: 'files' });
    expect(await stores.policyVersions.append(0, entry('admin', ['a']))).toBeUndefined();
    expect((await stores.policyVersions.append(1, entry('admin', ['a', 'b'])))?.version).toBe(2);
    expect(await stores.policyVersions.latest()).toEqual({ version: 2, ...entry('admin', ['a', 'b']) });
    expect(await stores.policyVersions.latestNumber()).toBe(2);
    expect(await stores.policyVersions.history(1)).toEqual([{ version: 2, source: 'edit', createdAt: 1000, createdBy: 'admin' }]);
    expect((await stores.policyVersions.history(10)).map((info) => info.version)).toEqual([2, 1]);
    // The newest version taken from the policy files (what SIGHUP compares the files with), not the newest of all.
    expect(await stores.policyVersions.latestFromFiles()).toEqual({ version: 1, ...entry('start-up', ['root']), source: 'files' });
  });

  test('ok: policy versions: saves racing from the same version through two store handles (two directors): exactly one lands each round', async () => {
    const twin = await backend.twin();
    try {
      for (let after = 0; after < 3; after++) {
        const racers = Array.from({ length: 8 }, (_, index) =>
          (index % 2 ? twin : stores).policyVersions.append(after, { users: { admins: [`r${index}`] }, pools: {}, source: 'edit', createdAt: after, createdBy: `r${index}` }),
        );
        const landed = (await Promise.all(racers)).filter((row) => row !== undefined);
        expect(landed.map((row) => row.version)).toEqual([after + 1]);
      }
      expect((await twin.policyVersions.history(10)).map((info) => info.version)).toEqual([3, 2, 1]);
    } finally {
      await twin.close();
    }
  });

  test('ok: audit: appends and lists newest first with filters', async () => {
    await stores.audit.append([{ eventId: 'e1', at: 1_000_000, type: 'login', actor: 'alice', clientAddress: '10.0.0.1', backend: 'ldap', outcome: 'failure', detail: 'invalid credentials' }]);
    await stores.audit.append([{ eventId: 'e2', at: 1_001_000, type: 'login', actor: 'alice', clientAddress: '10.0.0.1', backend: 'ldap', outcome: 'success' }]);
    await stores.audit.append([{ eventId: 'e3', at: 1_002_000, type: 'agent.approve', actor: 'admin', target: 'guid-1', outcome: 'success' }]);
    expect((await stores.audit.list({ limit: 100 })).map((e) => e.type)).toEqual(['agent.approve', 'login', 'login']);
    expect(await stores.audit.list({ type: 'login', outcome: 'success', limit: 100 })).toEqual([
      { id: 2, at: 1_001_000, type: 'login', actor: 'alice', clientAddress: '10.0.0.1', backend: 'ldap', outcome: 'success' },
    ]);
    expect(await stores.audit.list({ actor: 'admin', limit: 100 })).toHaveLength(1);
    expect(await stores.audit.list({ since: 1_001_000, limit: 100 })).toHaveLength(2);
    expect(await stores.audit.list({ limit: 1 })).toHaveLength(1);
  });

  test('ok: audit: pages by cursor stay put while events are added, and until ends the time range', async () => {
    const event = (n: number) => ({ eventId: `p${n}`, at: 1000 * n, type: n % 2 ? 'login' : 'session.create', actor: `u${n}`, outcome: 'success' as const });
    await stores.audit.append([1, 2, 3, 4, 5, 6, 7].map(event));
    const first = await auditPage(stores.audit, { limit: 3 });
    expect([first.events.map((e) => e.actor), first.next]).toEqual([['u7', 'u6', 'u5'], '5']);
    await stores.audit.append([event(8)]);
    const second = await auditPage(stores.audit, { limit: 3, before: Number(first.next) });
    expect([second.events.map((e) => e.actor), second.next]).toEqual([['u4', 'u3', 'u2'], '2']);
    expect(await auditPage(stores.audit, { limit: 3, before: Number(second.next) })).toEqual({ events: [expect.objectContaining({ actor: 'u1' })] });
    expect((await auditPage(stores.audit, { type: 'login', since: 2000, until: 7000, limit: 10 })).events.map((e) => e.actor)).toEqual(['u5', 'u3']);
    expect(await auditPage(stores.audit, { type: 'login', limit: 4 })).toEqual({ events: expect.any(Array), next: undefined });
  });

  test('ok: audit: a batch keeps its order, and an event id already stored is skipped (a replay inserts each event once)', async () => {
    const event = (eventId: string, at: number) => ({ eventId, at, type: 'login', actor: eventId, outcome: 'success' as const });
    await stores.audit.append([event('a', 10), event('b', 5), event('c', 20)]);
    await stores.audit.append([event('b', 5), event('c', 20), event('d', 30)]);
    await stores.audit.append([event('d', 30)]);
    const oldestFirst = (await stores.audit.list({ limit: 100 })).reverse();
    expect(oldestFirst.map((e) => [e.actor, e.at])).toEqual([
      ['a', 10],
      ['b', 5],
      ['c', 20],
      ['d', 30],
    ]);
  });

  test('ok: totp: pending secret, confirmation, replay guard, reset', async () => {
    expect(await stores.totp.get('carol')).toBeUndefined();
    expect(await stores.totp.putPending('carol', 'SECRET1', 1000)).toBe(true);
    expect(await stores.totp.putPending('carol', 'SECRET2', 1100)).toBe(true);
    const pending = (await stores.totp.get('carol'))!;
    expect(pending).toEqual({ secret: 'SECRET2', confirmed: false, lastTimeStep: -1 });
    expect(await stores.totp.accept('carol', 50, 1200, pending)).toBe(true);
    // The same read state cannot win twice (two concurrent uses of one code).
    expect(await stores.totp.accept('carol', 50, 1200, pending)).toBe(false);
    const active = (await stores.totp.get('carol'))!;
    expect(active).toEqual({ secret: 'SECRET2', confirmed: true, lastTimeStep: 50 });
    expect(await stores.totp.accept('carol', 50, 1300, active)).toBe(false);
    expect(await stores.totp.accept('carol', 51, 1300, active)).toBe(true);
    expect(await stores.totp.putPending('carol', 'SECRET3', 1400)).toBe(false);
    await stores.totp.remove('carol');
    expect(await stores.totp.get('carol')).toBeUndefined();
  });

  test('ok: passkeys: add, list, conditional counter, remove, reset', async () => {
    const key = (id: string, username: string, createdAt: number) => ({
      id,
      username,
      userHandle: `h-${username}`,
      name: `key ${id}`,
      publicKey: 'pk',
      counter: 0,
      transports: ['internal'],
      createdAt,
    });
    expect(await stores.passkeys.add(key('k1', 'carol', 1000))).toBe(true);
    expect(await stores.passkeys.add(key('k2', 'carol', 1100))).toBe(true);
    expect(await stores.passkeys.add(key('k3', 'dave', 1200))).toBe(true);
    // A credential id is unique across users.
    expect(await stores.passkeys.add(key('k1', 'dave', 1300))).toBe(false);
    expect((await stores.passkeys.list('carol')).map((p) => p.id)).toEqual(['k1', 'k2']);
    expect(await stores.passkeys.get('k1')).toEqual(key('k1', 'carol', 1000));
    expect(await stores.passkeys.recordUse('k1', 0, 5, 2000)).toBe(true);
    // The same stored counter cannot win twice (a replay or a clone racing the original).
    expect(await stores.passkeys.recordUse('k1', 0, 6, 2001)).toBe(false);
    expect(await stores.passkeys.get('k1')).toMatchObject({ counter: 5, lastUsedAt: 2000 });
    expect(await stores.passkeys.remove('dave', 'k1')).toBe(false);
    expect(await stores.passkeys.remove('carol', 'k1')).toBe(true);
    expect(await stores.passkeys.get('k1')).toBeUndefined();
    expect(await stores.passkeys.removeAll('carol')).toBe(1);
    expect(await stores.passkeys.list('carol')).toEqual([]);
    expect((await stores.passkeys.list('dave')).length).toBe(1);
  });

  test('ok: passkey challenges are taken once, and not after they expire', async () => {
    await stores.passkeys.putChallenge({ id: 'c1', challenge: 'abc', username: 'carol', userHandle: 'h1', purpose: 'register' as const, expiresAt: 5000 }, 1000);
    await stores.passkeys.putChallenge({ id: 'c2', challenge: 'def', username: '', userHandle: '', purpose: 'login' as const, expiresAt: 3000 }, 1000);
    const other = await backend.twin();
    try {
      // Another director finishes what this one began.
      expect(await other.passkeys.takeChallenge('c1', 2000)).toEqual({ id: 'c1', challenge: 'abc', username: 'carol', userHandle: 'h1', purpose: 'register' as const, expiresAt: 5000 });
    } finally {
      await other.close();
    }
    expect(await stores.passkeys.takeChallenge('c1', 2000)).toBeUndefined();
    expect(await stores.passkeys.takeChallenge('c2', 3000)).toBeUndefined();
    expect(await stores.passkeys.takeChallenge('nope', 1000)).toBeUndefined();
  });

  test('ok: audit retention deletes only events before the cut', async () => {
    await stores.audit.append([1000, 2000, 3000].map((at) => ({ eventId: `e${at}`, at, type: 'login', outcome: 'success' as const })));
    expect(await stores.auditRetention.pruneBefore(2500)).toBe(2);
    expect((await stores.audit.list({ limit: 10 })).map((e) => e.at)).toEqual([3000]);
  });

  test('ok: audit retention prunes each hash chain as a prefix and keeps its last hash as the checkpoint verification starts from', async () => {
    const chain = new AuditChain('contract', CHAIN_START);
    const events = [10_000, 20_000, 30_000, 40_000].map((at) => chain.link({ eventId: `c${at}`, at, type: 'login', outcome: 'success' }));
    await stores.audit.append(events);
    expect(await stores.auditChain.head('contract')).toBe(events[3]!.hash);
    expect(await stores.auditRetention.pruneBefore(25_000)).toBe(2);
    const verdict = await verifyChains(stores.auditChain);
    expect(verdict.breaks).toEqual([]);
    expect(verdict.chains.find((checked) => checked.chain === 'contract')).toMatchObject({ events: 2, checkpoint: { chain: 'contract', hash: events[1]!.hash } });
    // A second, earlier cut does not move the checkpoint back.
    expect(await stores.auditRetention.pruneBefore(15_000)).toBe(0);
    expect((await stores.auditChain.checkpoints()).find((checkpoint) => checkpoint.chain === 'contract')?.hash).toBe(events[1]!.hash);
  });

  test('ok: revocations: tokens until they expire, validAfter only moves forward', async () => {
    await stores.revocations.revokeToken('j1', 5000);
    await stores.revocations.revokeToken('j2', 1000);
    await stores.revocations.setValidAfter('alice', 4000);
    await stores.revocations.setValidAfter('alice', 3000);
    expect(await stores.revocations.load(2000)).toEqual({ tokens: [{ jti: 'j1', expiresAt: 5000 }], validAfter: [{ user: 'alice', at: 4000 }] });
    expect(await stores.revocations.pruneExpired(2000)).toBe(1);
    expect(await stores.revocations.pruneExpired(2000)).toBe(0);
  });

  test('ok: token uses count up atomically; expired ones are purged', async () => {
    expect((await Promise.all([1, 2, 3].map(() => stores.tokenUses.addUse('j1', 5000)))).sort()).toEqual([1, 2, 3]);
    await stores.tokenUses.addUse('old', 100);
    expect(await stores.tokenUses.purgeExpired(1000)).toBe(1);
    expect(await stores.tokenUses.addUse('old', 100)).toBe(1);
    expect(await stores.tokenUses.addUse('j1', 5000)).toBe(4);
  });

  test('ok: shares: made, made again (role, owner and time replaced), listed in order, removed; those no live session holds are purged', async () => {
    const share = (sessionId: string, user: string, role: 'viewer' | 'collaborator', owner: string, grantedAt: number) => ({ sessionId, user, role, owner, grantedAt });
    await stores.shares.put(share('s1', 'carol', 'collaborator', 'alice', 2000));
    await stores.shares.put(share('s1', 'bob', 'viewer', 'alice', 2000));
    await stores.shares.put(share('s2', 'bob', 'viewer', 'dan', 2000));
    await stores.shares.put(share('s3', 'bob', 'viewer', 'alice', 2000));
    await stores.shares.put(share('s4', 'bob', 'viewer', 'alice', 2000));
    expect(await stores.shares.get('s1', 'bob')).toEqual(share('s1', 'bob', 'viewer', 'alice', 2000));
    expect(await stores.shares.get('s1', 'nobody')).toBeUndefined();
    expect((await stores.shares.ofSession('s1')).map((found) => found.user)).toEqual(['bob', 'carol']);
    expect((await stores.shares.withUser('bob')).map((found) => found.sessionId)).toEqual(['s1', 's2', 's3', 's4']);
    expect((await stores.shares.byOwner('alice')).map((found) => `${found.sessionId}/${found.user}`)).toEqual(['s1/bob', 's1/carol', 's3/bob', 's4/bob']);
    await stores.shares.put(share('s1', 'bob', 'collaborator', 'alice', 2500));
    expect(await stores.shares.get('s1', 'bob')).toEqual(share('s1', 'bob', 'collaborator', 'alice', 2500));
    expect(await stores.shares.remove('s1', 'carol')).toEqual(share('s1', 'carol', 'collaborator', 'alice', 2000));
    expect(await stores.shares.remove('s1', 'carol')).toBeUndefined();
    // s1 runs for alice since before the grant; s2's session started after the grant (the id was used again); s3 has no session; s4's has another owner.
    const row = (id: string, owner: string, createdAt: number) => ({
      id,
      owner,
      type: 'virtual' as const,
      numOfConnections: 0,
      serverId: 'ws1',
      state: 'running' as const,
      origin: 'director' as const,
      orphaned: false,
      createdAt,
      refreshedAt: createdAt,
    });
    await stores.fleet.transact(
      {
        reads: {},
        decide: (plan) => {
          for (const session of [row('s1', 'alice', 1000), row('s2', 'dan', 2600), row('s4', 'erin', 1000)]) plan.insertSession(session);
        },
      },
      3000,
    );
    expect(await stores.shares.purgeStale()).toBe(3);
    expect((await stores.shares.withUser('bob')).map((found) => found.sessionId)).toEqual(['s1']);
  });

  test('ok: api clients: created (a name once), listed newest first, rotated and disabled only while enabled', async () => {
    const client = (id: string, name: string, createdAt: number) => ({
      id,
      name,
      secretHash: `hash-${id}`,
      scopes: ['sessions:read' as const],
      users: null,
      pools: ['eng'],
      owners: null,
      createdAt,
      createdBy: 'admin',
    });
    expect(await stores.apiClients.create(client('c1', 'portal', 1000))).toBe('created');
    expect(await stores.apiClients.create(client('c2', 'portal', 1001))).toBe('name-taken');
    expect(await stores.apiClients.create({ ...client('c3', 'cron', 2000), users: ['alice'], pools: null, owners: ['alice'] })).toBe('created');
    expect((await stores.apiClients.list()).map((row) => row.id)).toEqual(['c3', 'c1']);
    expect(await stores.apiClients.get('c3')).toEqual({ ...client('c3', 'cron', 2000), users: ['alice'], pools: null, owners: ['alice'], rotatedAt: null, disabledAt: null, disabledBy: null });
    expect(await stores.apiClients.rotate('c1', 'hash-new', 3000)).toMatchObject({ secretHash: 'hash-new', rotatedAt: 3000 });
    expect(await stores.apiClients.disable('c1', 'root', 4000)).toMatchObject({ disabledAt: 4000, disabledBy: 'root' });
    expect(await stores.apiClients.disable('c1', 'root', 5000)).toBeUndefined();
    expect(await stores.apiClients.rotate('c1', 'hash-later', 5000)).toBeUndefined();
    expect(await stores.apiClients.get('c1')).toMatchObject({ secretHash: 'hash-new', disabledAt: 4000 });
    expect(await stores.apiClients.get('nope')).toBeUndefined();
  });

  test('ok: session requests: written and replaced by id, listed from a time on, removed; settled ones purged on the next write', async () => {
    const request = (id: string, state: SessionRequest['state'], at: number): SessionRequest => ({ id, owner: 'alice', clientId: 'c1', type: 'virtual', state, createdAt: at, updatedAt: at });
    await stores.sessionRequests.put({ ...request('s1', 'creating', 1000), name: 'My desk' }, 0);
    await stores.sessionRequests.put({ ...request('s1', 'failed', 1000), name: 'My desk', pool: 'eng', reason: 'NO_SERVER_AVAILABLE: none', updatedAt: 2000 }, 0);
    await stores.sessionRequests.put(request('s2', 'deleted', 1500), 0);
    await stores.sessionRequests.put(request('s3', 'creating', 1500), 0);
    expect(await stores.sessionRequests.list(1000)).toContainEqual({ ...request('s1', 'failed', 1000), name: 'My desk', pool: 'eng', reason: 'NO_SERVER_AVAILABLE: none', updatedAt: 2000 });
    expect((await stores.sessionRequests.list(1600)).map((row) => row.id)).toEqual(['s1']);
    // A write purges failed and deleted rows last written before the bound; creating ones stay (describe gives them up).
    await stores.sessionRequests.put(request('s4', 'deleting', 3000), 1800);
    expect((await stores.sessionRequests.list(0)).map((row) => row.id).sort()).toEqual(['s1', 's3', 's4']);
    await stores.sessionRequests.remove('s1');
    expect((await stores.sessionRequests.list(0)).map((row) => row.id).sort()).toEqual(['s3', 's4']);
  });

  test('ok: throttle entries by opaque key; those older than the window do not load (and are purged)', async () => {
    await stores.throttle.saveThrottle(
      [
        { key: 'u:alice', failures: [100, 200] },
        { key: 'a:10.0.0.1|u:bob', failures: [900] },
        { key: 'gone', failures: [950] },
      ],
      [],
    );
    await stores.throttle.saveThrottle([], ['gone']);
    expect((await stores.throttle.loadThrottle(0)).sort((x, y) => x.key.localeCompare(y.key))).toEqual([
      { key: 'a:10.0.0.1|u:bob', failures: [900] },
      { key: 'u:alice', failures: [100, 200] },
    ]);
    expect(await stores.throttle.loadThrottle(500)).toEqual([{ key: 'a:10.0.0.1|u:bob', failures: [900] }]);
    await stores.throttle.saveThrottle([{ key: 'u:alice', failures: [1000] }], []);
    expect(await stores.throttle.loadThrottle(500, ['u:alice', 'gone'])).toEqual([{ key: 'u:alice', failures: [1000] }]);
    expect(await stores.throttle.loadThrottle(500, [])).toEqual([]);
  });
});

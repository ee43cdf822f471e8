import { describe, expect, test } from 'bun:test';
import { policyAllows } from '../sessions/trust.ts';
import { explainAccess } from './explain.ts';
import { parsePolicy } from './schema.ts';

const policy = parsePolicy(
  {
    admins: ['root'],
    adminGroups: ['Domain Admins'],
    users: { alice: { servers: ['ws01'], pools: ['eng'] }, eve: { servers: ['*'], pools: [] } },
    groups: { 'Domain Users': { servers: [], pools: ['lab', 'ghost'] }, design: { members: ['bob'], servers: ['ws09'], pools: [] } },
  },
  { pools: { eng: { servers: ['ws01', 'ws02'] }, lab: { servers: ['*'] } } },
);
const known = new Set(['ws01', 'ws02', 'ws03', 'ws09']);
const isKnown = (id: string) => known.has(id);

describe('explain: which entries grant a server or a pool', () => {
  test('ok: a direct grant and a pool grant, each with the pattern that matched', () => {
    const answer = explainAccess(policy, { user: 'alice', groups: [], server: 'ws01' }, isKnown);
    expect(answer.grants).toEqual([
      { entry: 'user', name: 'alice', via: 'servers', pattern: 'ws01' },
      { entry: 'user', name: 'alice', via: 'pools', pattern: 'eng', poolPattern: 'ws01' },
    ]);
    expect([answer.allowed, answer.admin, answer.groupsFrom]).toEqual([true, { is: false, by: [] }, 'policy']);
  });

  test('ok: a group with a space from the query, through a "*" pool; a granted pool that is not defined is noted', () => {
    const answer = explainAccess(policy, { user: 'dave', groups: ['Domain Users', 'Domain Admins'], server: 'ws03' }, isKnown);
    expect(answer.grants).toEqual([{ entry: 'group', name: 'Domain Users', via: 'pools', pattern: 'lab', poolPattern: '*' }]);
    expect(answer.groupsFrom).toBe('query');
    expect(answer.admin).toEqual({ is: true, by: ['adminGroups: Domain Admins'] });
    expect(answer.notes).toEqual(['pool ghost (granted to group Domain Users) is not defined in pools.json', 'group Domain Admins has no entry in users.json']);
  });

  test('rejects: no entry grants it; a "*" pool does not reach a server no agent reported', () => {
    const none = explainAccess(policy, { user: 'alice', groups: [], server: 'ws03' }, isKnown);
    expect([none.allowed, none.grants]).toEqual([false, []]);
    const unknown = explainAccess(policy, { user: 'dave', groups: ['Domain Users'], server: 'ws77' }, isKnown);
    expect(unknown.allowed).toBe(false);
    expect(unknown.notes).toContain('pool lab lists "*" (every server this director knows), and no agent has reported ws77');
  });

  test('ok: a pool question: the entries that grant that pool; an undefined pool grants nothing', () => {
    expect(explainAccess(policy, { user: 'bob', groups: [], pool: 'eng' }, isKnown).allowed).toBe(false);
    expect(explainAccess(policy, { user: 'alice', groups: [], pool: 'eng' }, isKnown).grants).toEqual([{ entry: 'user', name: 'alice', via: 'pools', pattern: 'eng' }]);
    const ghost = explainAccess(policy, { user: 'dave', groups: ['Domain Users'], pool: 'ghost' }, isKnown);
    expect([ghost.allowed, ghost.notes.at(-1)]).toEqual([false, 'pool ghost is not defined in pools.json']);
  });

  test('ok: explain agrees with the placement check for every user, group set and server', () => {
    for (const user of ['alice', 'bob', 'eve', 'root', 'dave']) {
      for (const groups of [[], ['Domain Users'], ['design']]) {
        for (const server of ['ws01', 'ws02', 'ws03', 'ws09', 'ws77']) {
          const allowed = explainAccess(policy, { user, groups, server }, isKnown).allowed;
          expect([user, groups, server, allowed]).toEqual([user, groups, server, policyAllows(policy, user, server, isKnown, groups)]);
        }
      }
    }
  });
});

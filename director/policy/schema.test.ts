import { describe, expect, test } from 'bun:test';
import { isGroupName, parsePolicy, PolicyError } from './schema.ts';

const pools = (doc: Record<string, unknown>) => () => parsePolicy({}, doc);

describe('policy: userConfig lists in pools.json', () => {
  test('ok: per pool, per server and a top-level default; absent means the place says nothing', () => {
    const policy = parsePolicy(
      {},
      {
        userConfig: ['display.quality'],
        pools: { eng: { servers: ['ws01'], userConfig: ['display.*', 'clipboard.max-text-len', 'display.*'] }, lab: { servers: ['*'] } },
        servers: { ws01: { userConfig: [] }, 'WS02.example.com': {} },
      },
    );
    expect(policy.userConfig).toEqual(['display.quality']);
    expect(policy.pools.get('eng')!.userConfig).toEqual(['display.*', 'clipboard.max-text-len']);
    expect(policy.pools.get('lab')!.userConfig).toBeUndefined();
    expect(policy.servers.get('ws01')!.userConfig).toEqual([]);
    expect(policy.servers.get('WS02.example.com')!.userConfig).toBeUndefined();
    expect(parsePolicy({}, {}).userConfig).toBeUndefined();
  });

  test('rejects: never-settable keys at load, naming the file, the list and the entry', () => {
    expect(pools({ pools: { eng: { servers: [], userConfig: ['display.quality', 'security.auth-token-verifier'] } } })).toThrow(
      'pools.json: pools.eng.userConfig[1]: "security.auth-token-verifier": section security',
    );
    expect(pools({ servers: { ws01: { userConfig: ['connectivity.web-port'] } } })).toThrow('pools.json: servers.ws01.userConfig[0]: "connectivity.web-port": section connectivity');
    expect(pools({ userConfig: ['log.*'] })).toThrow('pools.json: userConfig[0]: "log.*": section log');
    expect(pools({ userConfig: ['session-management/automatic-console-session.owner'] })).toThrow('section session-management');
    expect(pools({ userConfig: ['license.license-file'] })).toThrow('section license');
    expect(pools({ userConfig: ['display.web-port'] })).toThrow('pools.json: userConfig[0]: "display.web-port": keys about "port"');
  });

  test('rejects: malformed lists and entries, and server entries that are not host names', () => {
    expect(pools({ userConfig: 'display.quality' })).toThrow(PolicyError);
    expect(pools({ userConfig: ['display'] })).toThrow('pools.json: userConfig[0]: "display" is not "section.key" or "section.*"');
    expect(pools({ pools: { eng: { servers: [], userConfig: [7] } } })).toThrow('pools.json: pools.eng.userConfig[0]');
    expect(pools({ servers: { '*': { userConfig: [] } } })).toThrow('pools.json: servers.*: not a host name');
    expect(pools({ servers: { ws01: ['display.quality'] } })).toThrow('pools.json: servers.ws01 must be an object');
    expect(pools({ servers: [] })).toThrow('pools.json: servers must be an object');
  });
});

describe('policy: pool requirements in pools.json', () => {
  test('ok: an expression is parsed at load and kept with its pool; absent means every member', () => {
    const policy = parsePolicy({}, { pools: { gpu: { servers: ['*'], requirements: "tag:gpu = 'a10' and server:Host.Memory.TotalBytes > 32E9" }, lab: { servers: ['*'] } } });
    expect(policy.pools.get('gpu')!.requirements).toMatchObject({ kind: 'and', left: { kind: 'compare', ref: { scope: 'tag', name: 'gpu' }, op: '=', value: 'a10' } });
    expect(policy.pools.get('lab')!.requirements).toBeUndefined();
  });

  test('rejects: a bad expression stops the load, naming the file, the key and the character', () => {
    expect(pools({ pools: { gpu: { servers: ['*'], requirements: "tag:gpu = 'a10' and" } } })).toThrow(
      'pools.json: pools.gpu.requirements: at character 20: expected tag:<key>, server:<property>, not or "(", found the end',
    );
    expect(pools({ pools: { gpu: { servers: ['*'], requirements: 'server:Host.Memory.Total > 1' } } })).toThrow(
      'pools.json: pools.gpu.requirements: at character 1: unknown server property "server:Host.Memory.Total"',
    );
    expect(pools({ pools: { gpu: { servers: ['*'], requirements: "server:Host.Aws.Region = 'x'" } } })).toThrow(
      'pools.json: pools.gpu.requirements: at character 1: server:Host.Aws.Region is a Session Manager property dcvix agents do not report',
    );
    expect(pools({ pools: { gpu: { servers: ['*'], requirements: ['tag:gpu'] } } })).toThrow('pools.json: pools.gpu.requirements must be a string');
    expect(pools({ pools: { gpu: { servers: ['*'], requirements: '' } } })).toThrow('pools.json: pools.gpu.requirements: at character 1: empty expression');
  });
});

describe('policy: group names as login backends report them', () => {
  test('ok: spaces inside, other scripts and punctuation, in groups and adminGroups', () => {
    const policy = parsePolicy({ adminGroups: ['Domain Admins'], groups: { 'Domain Users': { pools: ['eng'] }, 'Domänen-Benutzer': {}, 'eng,ops (Berlin)': {} } }, {});
    expect([...policy.groups.keys()]).toEqual(['Domain Users', 'Domänen-Benutzer', 'eng,ops (Berlin)']);
    expect([...policy.adminGroups]).toEqual(['Domain Admins']);
    expect(isGroupName('Domain Users')).toBe(true);
  });

  test('rejects: spaces at either end, control characters, empty or over 128 characters; user names stay strict', () => {
    for (const bad of [' Domain Users', 'Domain Users ', 'a\nb', 'tab\there', '', 'x'.repeat(129)]) {
      expect([bad, isGroupName(bad)]).toEqual([bad, false]);
      expect(() => parsePolicy({ groups: { [bad]: {} } }, {})).toThrow('users.json: groups.');
    }
    expect(() => parsePolicy({ adminGroups: ['ok', ' padded'] }, {})).toThrow('users.json: adminGroups: " padded" is not a valid name');
    expect(() => parsePolicy({ users: { 'Domain Users': {} } }, {})).toThrow('users.json: users.Domain Users: "Domain Users" is not a valid name');
    expect(() => parsePolicy({ groups: { eng: { members: ['Domain Users'] } } }, {})).toThrow('users.json: groups.eng.members');
  });
});

describe('policy: DCV permission profiles', () => {
  const restricted = ['%owner% allow builtin', '%owner% deny clipboard-copy file-download usb'];

  test('ok: profiles in pools.json, named by pools, servers and groups; full is built in', () => {
    const policy = parsePolicy(
      { groups: { leads: { members: ['carol'], permissions: 'full' }, eng: { members: ['bob'] } } },
      { permissionProfiles: { restricted }, pools: { eng: { servers: ['*'], permissions: 'restricted' } }, servers: { ws01: { permissions: 'restricted' }, ws02: {} } },
    );
    expect(policy.permissionProfiles).toEqual(
      new Map<string, readonly string[]>([
        ['full', ['%owner% allow builtin']],
        ['restricted', restricted],
      ]),
    );
    expect(policy.pools.get('eng')!.permissions).toBe('restricted');
    expect(policy.servers.get('ws01')!.permissions).toBe('restricted');
    expect(policy.servers.get('ws02')!.permissions).toBeUndefined();
    expect(policy.groupPermissions).toEqual(new Map([['leads', 'full']]));
  });

  test('rejects: unknown features, rules and actors, naming the file, the profile and the line', () => {
    expect(pools({ permissionProfiles: { restricted: ['%owner% allow builtin', '%owner% deny clipbord-copy'] } })).toThrow(
      'pools.json: permissionProfiles.restricted[1]: "%owner% deny clipbord-copy": unknown feature "clipbord-copy"',
    );
    expect(pools({ permissionProfiles: { restricted: ['%owner% forbid usb'] } })).toThrow('pools.json: permissionProfiles.restricted[0]: "%owner% forbid usb": "forbid" is not a rule');
    expect(pools({ permissionProfiles: { restricted: ['%nobody% deny usb'] } })).toThrow('pools.json: permissionProfiles.restricted[0]: "%nobody% deny usb": "%nobody%" is not an actor');
    expect(pools({ permissionProfiles: { restricted: [] } })).toThrow('pools.json: permissionProfiles.restricted must be a list of 1 to 64 permission lines');
    expect(pools({ permissionProfiles: { restricted: [7] } })).toThrow('pools.json: permissionProfiles.restricted[0] must be a text line');
    expect(pools({ permissionProfiles: { full: ['%any% allow builtin'] } })).toThrow('pools.json: permissionProfiles.full: "full" is built in');
    expect(pools({ permissionProfiles: ['%owner% allow builtin'] })).toThrow('pools.json: permissionProfiles must be an object');
  });

  test('rejects: a pool, server or group naming a profile that is not defined', () => {
    expect(pools({ pools: { eng: { servers: [], permissions: 'restricted' } } })).toThrow('pools.json: pools.eng.permissions: "restricted" is not a permission profile');
    expect(pools({ servers: { ws01: { permissions: ['full'] } } })).toThrow('pools.json: servers.ws01.permissions: "full" is not a permission profile');
    expect(() => parsePolicy({ groups: { leads: { members: [], permissions: 'admin' } } }, {})).toThrow('users.json: groups.leads.permissions: "admin" is not a permission profile');
  });
});

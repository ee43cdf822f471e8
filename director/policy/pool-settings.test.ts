import { describe, expect, test } from 'bun:test';
import { launchSettingsFor } from './pool-settings.ts';
import { parsePolicy } from './schema.ts';

const withPool = (eng: Record<string, unknown>) => () => parsePolicy({}, { pools: { eng: { servers: ['*'], ...eng } } });

describe('policy: a pool’s session limit and launch settings', () => {
  test('ok: read into the pool; a pool without them has none', () => {
    const policy = parsePolicy(
      {},
      {
        pools: {
          eng: { servers: ['*'], max_sessions_per_user: 2, init: '/opt/dcv/init eng.sh', storage_root: '/srv/dcv', gl: 'off', max_concurrent_clients: 4 },
          lab: { servers: ['*'] },
        },
      },
    );
    expect(policy.pools.get('eng')).toMatchObject({
      maxSessionsPerUser: 2,
      launch: { init: '/opt/dcv/init eng.sh', storageRoot: '/srv/dcv', gl: 'off', maxConcurrentClients: 4 },
    });
    expect(policy.pools.get('lab')!.maxSessionsPerUser).toBeUndefined();
    expect(policy.pools.get('lab')!.launch).toBeUndefined();
  });

  test('ok: a console session gets only the settings DCV takes for it (no init, no gl)', () => {
    const settings = { launch: { init: '/i.sh', storageRoot: '/srv', gl: 'on' as const, maxConcurrentClients: 2 } };
    expect(launchSettingsFor(settings, 'virtual')).toEqual(settings.launch);
    expect(launchSettingsFor(settings, 'console')).toEqual({ storageRoot: '/srv', maxConcurrentClients: 2 });
    expect(launchSettingsFor({}, 'virtual')).toEqual({});
  });

  test('rejects: a bad value at load, naming the file, the pool and the key', () => {
    expect(withPool({ max_sessions_per_user: 0 })).toThrow('pools.json: pools.eng.max_sessions_per_user must be a whole number from 1 to 1000');
    expect(withPool({ max_sessions_per_user: '2' })).toThrow('pools.json: pools.eng.max_sessions_per_user');
    expect(withPool({ init: 'init.sh' })).toThrow('pools.json: pools.eng.init must be an absolute path');
    expect(withPool({ init: '/opt/a\nb' })).toThrow('pools.json: pools.eng.init must be an absolute path');
    expect(withPool({ storage_root: '-rf' })).toThrow('pools.json: pools.eng.storage_root must be an absolute path');
    expect(withPool({ gl: true })).toThrow('pools.json: pools.eng.gl must be "on" or "off"');
    expect(withPool({ max_concurrent_clients: 1001 })).toThrow('pools.json: pools.eng.max_concurrent_clients must be a whole number from 1 to 1000');
  });
});

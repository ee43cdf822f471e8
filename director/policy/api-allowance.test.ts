import { describe, expect, test } from 'bun:test';
import { parsePolicy, PolicyError } from './schema.ts';

const withPool = (sessionManager: unknown) => parsePolicy({}, { permissionProfiles: { 'view-only': ['%owner% allow display'] }, pools: { eng: { servers: ['*'], session_manager: sessionManager } } });

describe('a pool’s session_manager allow-list', () => {
  test('ok: absolute paths and defined profiles are kept; absent lists allow nothing', () => {
    expect(withPool({ init_files: ['/opt/init.sh', '/opt/init.sh'], permission_profiles: ['view-only'] }).pools.get('eng')?.sessionManager).toEqual({
      initFiles: ['/opt/init.sh'],
      storageRoots: [],
      permissionProfiles: ['view-only'],
    });
    expect(withPool(undefined).pools.get('eng')?.sessionManager).toBeUndefined();
  });

  test('rejects: relative paths, unknown profiles, unknown keys and non-lists, naming the key', () => {
    expect(() => withPool({ init_files: ['init.sh'] })).toThrow(new PolicyError('pools.json: pools.eng.session_manager.init_files: "init.sh" is not an absolute path'));
    expect(() => withPool({ permission_profiles: ['nope'] })).toThrow(new PolicyError('pools.json: pools.eng.session_manager.permission_profiles: "nope" is not a permission profile'));
    expect(() => withPool({ autorun_files: [] })).toThrow(/session_manager\.autorun_files: not a key here/);
    expect(() => withPool({ storage_roots: '/srv' })).toThrow(/storage_roots must be a list of strings/);
    expect(() => withPool([])).toThrow(/session_manager must be an object/);
  });
});

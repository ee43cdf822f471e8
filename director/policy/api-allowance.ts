import { isAbsolutePath } from '../../shared/api/agent-wire.ts';

/**
 * What a pool lets API clients (the Session Manager API) ask for in createSessions, beyond the pool's
 * own launch settings. dcv runs as root, so a file or folder a client names is taken only when the
 * pool's admin listed it here (pools.json, on the pool):
 *
 *   "session_manager": {
 *     "init_files": ["/opt/dcv/init-eng.sh"],       InitFile: dcv create-session --init
 *     "storage_roots": ["/srv/dcv-storage"],        StorageRoot: dcv create-session --storage-root
 *     "permission_profiles": ["view-only"]          PermissionsFile: the text of one of these profiles
 *   }
 *
 * Absent or empty lists: the pool takes none of that field.
 */
export interface ApiAllowance {
  initFiles: string[];
  storageRoots: string[];
  permissionProfiles: string[];
}

const LISTS = { init_files: 'initFiles', storage_roots: 'storageRoots', permission_profiles: 'permissionProfiles' } as const;

/**
 * A pool's `session_manager` object, checked (`at` names it in errors): paths absolute, profiles defined.
 * @returns the allowance (absent: {}), or calls `fail` with a message naming the file and key
 */
export function readApiAllowance(value: unknown, at: string, profiles: ReadonlyMap<string, unknown>, fail: (message: string) => never): { sessionManager?: ApiAllowance } {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`${at} must be an object with init_files, storage_roots and permission_profiles lists`);
  const allowance: ApiAllowance = { initFiles: [], storageRoots: [], permissionProfiles: [] };
  for (const [key, list] of Object.entries(value)) {
    const field = LISTS[key as keyof typeof LISTS];
    if (!field) return fail(`${at}.${key.slice(0, 40)}: not a key here (init_files, storage_roots, permission_profiles)`);
    if (!Array.isArray(list) || !list.every((entry) => typeof entry === 'string')) return fail(`${at}.${key} must be a list of strings`);
    const bad = field === 'permissionProfiles' ? list.find((name) => !profiles.has(name)) : list.find((path) => !isAbsolutePath(path));
    if (bad !== undefined) return fail(`${at}.${key}: ${JSON.stringify(String(bad).slice(0, 64))} is ${field === 'permissionProfiles' ? 'not a permission profile' : 'not an absolute path'}`);
    allowance[field] = [...new Set(list as string[])];
  }
  return { sessionManager: allowance };
}

import { permissionsFileText } from '../../shared/api/dcv-permissions.ts';
import { FULL_PROFILE_LINES } from '../policy/permission-profiles.ts';
import type { Share, ShareRole } from './share-store.ts';

/**
 * What each role may do in a shared session, as DCV features: a viewer sees the desktop; a
 * collaborator also types and moves the pointer. Nothing else (no clipboard, files, audio, USB...).
 */
export const ROLE_FEATURES: Readonly<Record<ShareRole, readonly string[]>> = {
  viewer: ['display'],
  collaborator: ['display', 'keyboard', 'mouse', 'pointer'],
};

/**
 * A shared session's whole permissions file: its profile's lines (the built-in `full`, the owner keeps
 * builtin, where the policy names none), then one `user allow features...` line per share in user-name
 * order, so every director writes the same text for the same shares. Share lines come last: they may
 * lift a profile's `disallow` for an invitee, never its `deny`.
 */
export function sessionPermissionsText(profileLines: readonly string[] | undefined, shares: readonly Pick<Share, 'user' | 'role'>[]): string {
  const sorted = [...shares].sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
  return permissionsFileText([...(profileLines ?? FULL_PROFILE_LINES), ...sorted.map((share) => `${share.user} allow ${ROLE_FEATURES[share.role].join(' ')}`)]);
}

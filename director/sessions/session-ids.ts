import { SESSION_ID_RE } from '../../shared/api/agent-wire.ts';

/**
 * A new DCV-safe session id: the owner's name folded to the safe charset (so admins recognise it)
 * plus 8 random hex digits, e.g. "alice-3f2a9c1d". Always matches SESSION_ID_RE.
 */
export function newSessionId(owner: string): string {
  const prefix =
    owner
      .toLowerCase()
      .replace(/[^a-z0-9_.-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .slice(0, 40) || 's';
  const suffix = Buffer.from(crypto.getRandomValues(new Uint8Array(4))).toString('hex');
  const id = `${prefix}-${suffix}`;
  return SESSION_ID_RE.test(id) ? id : `s-${suffix}`;
}

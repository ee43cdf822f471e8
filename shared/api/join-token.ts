/**
 * The join token's text form, as an admin pastes it into an agent's config:
 * `dcvix-join_<id>_<secret>`, the id 16 hex digits (it names the token's row, so the director finds it
 * without scanning) and the secret 32 random bytes in base64url (43 characters). The director makes
 * tokens; the agent checks the form at start-up; the director reads it back at registration.
 */

const PREFIX = 'dcvix-join_';
const JOIN_TOKEN_RE = /^dcvix-join_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** The text form of a token with this id and 32-byte secret. */
export function formatJoinToken(id: string, secret: Uint8Array): string {
  return `${PREFIX}${id}_${Buffer.from(secret).toString('base64url')}`;
}

/** The id and secret bytes of a token in its text form; undefined for anything else. */
export function parseJoinToken(text: string): { id: string; secret: Uint8Array } | undefined {
  const match = JOIN_TOKEN_RE.exec(text);
  if (!match) return undefined;
  const secret = new Uint8Array(Buffer.from(match[2]!, 'base64url'));
  return secret.length === 32 ? { id: match[1]!, secret } : undefined;
}

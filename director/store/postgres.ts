import { SQL } from 'bun';

/**
 * Advisory lock keys, one namespace per purpose: the migration lock is held only while migrating, the
 * identity lock while the cluster's CA is made, the leader lock by the director running background
 * work; placement takes (placement, hashtext(user)) two-key locks per user, and a fleet
 * write creating a server row (serverRow, hashtext(id)).
 */
export const ADVISORY_LOCKS = { migrate: 0x64637601, identity: 0x64637602, leader: 0x64637603, placement: 0x64637604, serverRow: 0x64637605 } as const;

/** "postgres://user:secret@host/db" -> "postgres://user:***@host/db": the only form a URL may be logged in. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const param of [...parsed.searchParams.keys()]) if (/pass|secret|key/i.test(param)) parsed.searchParams.set(param, '***');
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * Connects Bun's built-in PostgreSQL client. The password, when given, replaces any in the URL (it
 * comes from store_password_file or DCVIX_STORE_PASSWORD, never argv). Fails fast when the server
 * cannot be reached, naming the redacted URL.
 */
export async function connectPostgres(url: string, password: string | undefined, opts: { max?: number } = {}): Promise<SQL> {
  const sql = new SQL(url, { max: opts.max ?? 10, ...(password ? { password } : {}), connectionTimeout: 5, idleTimeout: 60 });
  try {
    await sql`SELECT 1`;
  } catch (err) {
    // Never connected: there is nothing to close cleanly, and the caller gets the connect error.
    await sql.close().catch(() => undefined);
    throw new Error(`cannot reach the store at ${redactUrl(url)}: ${(err as Error).message}`);
  }
  return sql;
}

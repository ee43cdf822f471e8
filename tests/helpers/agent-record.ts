import { Database } from 'bun:sqlite';
import { join } from 'node:path';

/**
 * Makes the director's record of an agent's latest certificate (agents.db `cert_not_after`) say it
 * expired a moment ago, as if 14 days had passed, so the agent's next registration with its key needs
 * an admin's approval again (while that certificate is valid it is re-issued at once). Works while
 * the director runs: agents.db is in WAL mode and the director reads the row on every registration.
 */
export function expireCertificateRecord(directorDataDir: string, guid: string): void {
  const db = new Database(join(directorDataDir, 'agents.db'));
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    const changed = db.query('UPDATE agents SET cert_not_after = ? WHERE guid = ?').run(Date.now() - 1000, guid).changes;
    if (changed !== 1) throw new Error(`no agent ${guid} in agents.db`);
  } finally {
    db.close();
  }
}

import { SQL } from 'bun';

/**
 * A director that runs another policy, as the other directors see it: its heartbeat row in
 * director_instances with a policy hash of its own, kept fresh every second until stop() deletes it.
 * With the policy in the store, directors of this release agree on it; one that runs a release which
 * reads only its policy files is what this stands for.
 */
export async function otherPolicyDirector(storeUrl: string, name = 'old-release:8445'): Promise<{ stop(): Promise<void> }> {
  const sql = new SQL(storeUrl);
  const id = crypto.randomUUID();
  const beat = () => sql`INSERT INTO director_instances (id, name, policy_hash, started_at, last_seen) VALUES (${id}, ${name}, ${'0f'.repeat(32)}, ${Date.now()}, ${Date.now()})
    ON CONFLICT (id) DO UPDATE SET last_seen = EXCLUDED.last_seen`;
  await beat();
  const timer = setInterval(() => void beat().catch(() => undefined), 1000);
  return {
    async stop() {
      clearInterval(timer);
      await sql`DELETE FROM director_instances WHERE id = ${id}`;
      await sql.close();
    },
  };
}

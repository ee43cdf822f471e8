import { join } from 'node:path';

/** The agent's identity files in data_dir (the names the specification gives). */
export function identityPaths(dataDir: string) {
  return {
    key: join(dataDir, 'agent.key'),
    guid: join(dataDir, 'agent.guid'),
    cert: join(dataDir, 'agent.crt'),
    ca: join(dataDir, 'ca.pem'),
  };
}
export type IdentityPaths = ReturnType<typeof identityPaths>;

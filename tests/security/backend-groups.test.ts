import { afterAll, beforeAll, expect, test } from 'bun:test';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dcvArgvLog, TEST_USERS, type DirectorWithAgent, startDirectorWithAgent } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { cleanupTempDirs, repoRoot, tempDir } from '../helpers/temp.ts';

/**
 * A user entitled only through a group their login backend reports (as LDAP does), not through the
 * policy's member lists: a session started on the host for them is theirs to see, connect to and close.
 * Admin views cannot know the owner's backend groups and evaluate the policy's own (see docs/security.md).
 */
let stack: DirectorWithAgent;
let dave: string;
const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${stack.director.url}${path}`, { ca: stack.director.caPem, ...init });

beforeAll(async () => {
  const dir = tempDir('dcvix-backend-groups-');
  // The password-file check, plus "group:eng" for dave on success (the external backend's group lines).
  const script = join(dir, 'auth-with-groups.sh');
  writeFileSync(script, `#!/usr/bin/env bash\n"${join(repoRoot, 'scripts/demo/passwd-file-auth.sh')}" "$1" || exit 1\n[ "$DCVIX_USER" = dave ] && echo group:eng\nexit 0\n`);
  chmodSync(script, 0o755);
  const policy = {
    users: { admins: ['admin'], users: {}, groups: { eng: { members: [], servers: [], pools: ['workstations'] } } },
    pools: { pools: { workstations: { description: 'All workstations', servers: ['*'] } } },
  };
  stack = await startDirectorWithAgent({
    director: { dir, policy, users: { dave: 'dave-pw' }, config: { auth: { external: { command: [script, join(dir, 'passwords.txt')] } } } },
  });
  dave = await login(stack.director.url, stack.director.caPem, 'dave', 'dave-pw');
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  cleanupTempDirs();
});

test('ok: a host-started session of a user entitled through a backend group is listed, connectable and closable by them', async () => {
  const sim = Bun.spawnSync([process.execPath, join(repoRoot, 'tests/fixtures/dcv-simulator.ts'), 'create-session', '--type', 'virtual', '--owner', 'dave', 'dave-host-1'], { env: stack.agent.env });
  expect(sim.exitCode).toBe(0);
  await eventually(async () => JSON.stringify((await api('/v1/user/servers', { cookie: dave })).json).includes('dave-host-1') || undefined, 10_000, 'session in dave’s list');
  expect((await api('/v1/user/sessions/dave-host-1/connection', { cookie: dave })).status).toBe(200);
  // Admins evaluate the policy without dave's backend groups: not provably his, so flagged.
  const admin = await login(stack.director.url, stack.director.caPem, 'admin', TEST_USERS.admin!, 'admin');
  const listed = (await api('/v1/sessions', { cookie: admin })).json.sessions.find((s: any) => s.id === 'dave-host-1');
  expect(listed.unmanaged).toBe(true);
  const del = await api('/v1/user/sessions/dave-host-1', { method: 'DELETE', cookie: dave });
  expect(del.status).toBe(200);
  expect(dcvArgvLog(stack.agent).some((a) => a[0] === 'close-session' && a.includes('dave-host-1'))).toBe(true);
});

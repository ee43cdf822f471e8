import { afterAll, beforeAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { approveAgent, dcvArgvLog, startAgent, startDirector, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually } from '../helpers/https.ts';
import { run } from '../helpers/run.ts';
import { cleanupTempDirs, repoRoot } from '../helpers/temp.ts';

/** The agent's reaper against the dcv simulator: idle sessions go, connected ones stay. */
let director: DirectorHandle;
let agent: AgentHandle;
let admin: string;
let serverId: string;

beforeAll(async () => {
  director = await startDirector();
  agent = await startAgent(director.url, { config: { idle_timeout: '2s', reaper_interval: '300ms', update_interval: '500ms' } });
  ({ adminCookie: admin, serverId } = await approveAgent(director, agent));
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

const sim = (...args: string[]) => run([join(repoRoot, 'tests/fixtures/dcv-simulator.ts'), ...args], { env: agent.env });
const create = async (sessionId: string) => {
  const response = await call(`${director.url}/v1/sessions`, { method: 'POST', ca: director.caPem, cookie: admin, json: { serverId, userId: 'alice', sessionType: 'virtual', sessionId } });
  expect(response.status).toBe(200);
};

test('ok: an idle session is closed; one with a connection is never touched', async () => {
  await create('busy-1');
  await sim('sim-set', 'busy-1', 'connections=1');
  await create('idle-1');
  const longAgo = new Date(Date.now() - 3600_000).toISOString();
  await sim('sim-set', 'idle-1', 'connections=0', `lastDisconnection=${longAgo}`);
  await eventually(() => dcvArgvLog(agent).some((a) => a[0] === 'close-session' && a[1] === 'idle-1'), 10_000, 'reaper closes idle-1');
  await Bun.sleep(3000);
  expect(dcvArgvLog(agent).some((a) => a[0] === 'close-session' && a[1] === 'busy-1')).toBe(false);
  const sessions = await eventually(
    async () => {
      const response = await call(`${director.url}/v1/sessions`, { ca: director.caPem, cookie: admin });
      const ids = response.json.sessions.map((x: { id: string }) => x.id);
      return ids.includes('idle-1') ? undefined : ids;
    },
    5000,
    'director drops the reaped session',
  );
  expect(sessions).toContain('busy-1');
});

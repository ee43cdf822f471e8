import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goSession } from '../fixtures/go-dcvix/wire.ts';
import { approveAgent, dcvSim, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { GoStyleAgent } from '../helpers/go-agent.ts';
import { freePort } from '../helpers/go-https.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

/**
 * Hosts with many sessions: an update of 400 sessions is well past the director's default
 * max_body_bytes (64 KiB), and still lands, from our agent (plain first, then gzipped once the director
 * has offered gzip) and from the public Go dcvix agent (plain JSON, always).
 */
const SESSIONS = 400;
let director: DirectorHandle;
let agent: AgentHandle;
let goAgent: GoStyleAgent | undefined;
let admin: string;

const servers = async (): Promise<{ id: string; guid: string; sessions: unknown[] }[]> => (await call(`${director.url}/v1/servers`, { ca: director.caPem, cookie: admin })).json.servers;
const sessionCount = async (id: string) => (await servers()).find((server) => server.id === id)?.sessions.length;

/** A dcv simulator state file holding `count` virtual sessions, as DCV lists them (ids as dcvix makes them). */
function seededSimulator(count: number): string {
  const dir = tempDir('dcvix-agent-');
  const now = new Date().toISOString();
  const sessions = Array.from({ length: count }, (_, index) => {
    const id = `dcvix_${crypto.randomUUID()}`;
    const owner = `user${index}`;
    return {
      id,
      owner,
      user: owner,
      name: id,
      type: 'virtual',
      storageRoot: '',
      permissions: '/etc/dcv/default.perm',
      connections: 0,
      creationTime: now,
      lastDisconnectionTime: '',
      display: index + 1,
      options: {},
    };
  });
  writeFileSync(join(dir, 'dcv-state.json'), JSON.stringify({ sessions, config: {}, fail: {} }));
  return dir;
}

beforeAll(async () => {
  director = await startDirector();
  admin = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
}, 60_000);

afterAll(async () => {
  await goAgent?.stop();
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

describe('an update of 400 sessions', () => {
  test('ok: our agent reports 400 sessions and the server shows all of them; later updates go gzipped and land too', async () => {
    agent = await startAgent(director.url, { dir: seededSimulator(SESSIONS), config: { hostname: 'big-ours', update_interval: '500ms' } });
    const { serverId } = await approveAgent(director, agent, { adminCookie: admin });
    expect(await eventually(async () => (await sessionCount(serverId)) === SESSIONS && SESSIONS, 15_000, `${SESSIONS} sessions`)).toBe(SESSIONS);

    await agent.proc.waitForMsg('director takes gzipped updates', 15_000);
    // A session that only a gzipped update can bring: the agent gzips every update from now on.
    await dcvSim(agent, 'create-session', '--type', 'virtual', '--owner', 'alice', 'one-more');
    expect(await eventually(async () => (await sessionCount(serverId)) === SESSIONS + 1, 15_000, 'the session of a gzipped update')).toBe(true);
    expect(agent.proc.count('update failed')).toBe(0);
    expect(agent.proc.count('gzipped update refused, sent plain')).toBe(0);
    expect(director.proc.count('agent update items skipped')).toBe(0);
  }, 90_000);

  test('ok: the public Go dcvix agent sends the same as plain JSON, and it lands', async () => {
    goAgent = new GoStyleAgent({ directorUrl: director.url, directorAddress: '127.0.0.1', listenPort: await freePort(), hostname: 'big-go' });
    for (let index = 0; index < SESSIONS; index++) goAgent.sessions.push(goSession(`dcvix_${crypto.randomUUID()}`, `user${index}`, 'virtual'));
    const started = goAgent.start();
    await eventually(() => goAgent!.events.some((event) => event.startsWith('pending approval')), 15_000, 'pending');
    expect((await call(`${director.url}/v1/admin/agents/${goAgent.guid}/approve`, { method: 'POST', ca: director.caPem, cookie: admin })).status).toBe(200);
    await started;
    const plainBytes = Buffer.byteLength(JSON.stringify({ sessions: goAgent.sessions }));
    expect(plainBytes).toBeGreaterThan(64 * 1024 + 50_000);
    expect(await eventually(async () => (await sessionCount('big-go')) === SESSIONS && SESSIONS, 15_000, `${SESSIONS} sessions from the Go agent`)).toBe(SESSIONS);
    expect(goAgent.updateStatuses.length).toBeGreaterThan(0);
    expect(goAgent.updateStatuses.every((status) => status === 200)).toBe(true);
  }, 90_000);
});

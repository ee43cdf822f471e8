import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { approveAgent, dcvArgvLog, startAgent, startDirector, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { run } from '../helpers/run.ts';
import { cleanupTempDirs, repoRoot, tempDir } from '../helpers/temp.ts';

/**
 * Pool requirements and GPUs through real processes: a director and three agents on the dcv simulator.
 * ws-plain has no GPUs (its nvidia-smi path names nothing); gpu-a and gpu-b run the nvidia-smi
 * simulator (tests/fixtures/nvidia-smi-simulator.ts), each with its own GPU list, and are tagged
 * gpu=a10. Pools: `a10` (tag gpu=a10 and more than 3E9 bytes of free GPU memory), `linux` (the bare tag
 * linux on a Linux host), `huge` (more memory than any host has). The host names are chosen so the
 * last tie-break (the name) would pick gpu-a: where gpu-b wins, the GPU rule chose it.
 */
const NVIDIA_SMI = join(repoRoot, 'tests/fixtures/nvidia-smi-simulator.ts');
const USERS = ['u1', 'u2', 'u3', 'u4', 'u5'];
const POOLS = {
  pools: {
    a10: { description: 'A10 GPUs', servers: ['*'], requirements: "tag:gpu = 'a10' and server:Host.Gpus.MemoryFreeBytes > 3E9" },
    linux: { description: 'Linux-tagged', servers: ['*'], requirements: "tag:linux = '' and server:Host.Os.Family = 'linux'" },
    huge: { description: 'Nobody', servers: ['*'], requirements: 'server:Host.Memory.TotalBytes > 1E18' },
  },
};
const POLICY = {
  users: { admins: ['admin'], users: Object.fromEntries(USERS.map((user) => [user, { servers: [], pools: ['a10', 'linux', 'huge'] }])), groups: {} },
  pools: POOLS,
};
const GIB_IN_MIB = 1024;
const GIB = 2 ** 30;

let director: DirectorHandle;
let plain: AgentHandle;
let gpuA: AgentHandle;
let gpuB: AgentHandle;
let admin: string;
const cookies = new Map<string, string>();

const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
const createOnPool = (user: string, poolId: string) => api('/v1/user/sessions', { method: 'POST', cookie: cookies.get(user), json: { poolId, sessionType: 'virtual' } });
const adminServer = async (id: string) => (await api('/v1/servers', { cookie: admin })).json.servers.find((server: { id: string }) => server.id === id);
/** The user's one session on gpu-b, as the admin list shows it. */
const adminSessionOf = async (user: string) =>
  (await api('/v1/sessions', { cookie: admin })).json.sessions.find((session: { owner: string; serverId: string }) => session.owner === user && session.serverId === 'gpu-b');
const creates = (agent: AgentHandle) => dcvArgvLog(agent).filter((argv) => argv[0] === 'create-session').length;
/** A GPU list for the nvidia-smi simulator: each entry [total GiB, used GiB]. */
const gpuList = (...gpus: [number, number][]) =>
  JSON.stringify(gpus.map(([total, used]) => ({ name: 'NVIDIA A10G', memoryTotalMiB: total * GIB_IN_MIB, memoryUsedMiB: used * GIB_IN_MIB, utilization: 10 })));

/** gpu-b's GPUs with room (38 GiB free) and full (2 GiB free: below the a10 pool's 3E9 bytes). */
const ROOMY = gpuList([24, 5], [24, 5]);
const FULL = gpuList([24, 23], [24, 23]);

/** Sets gpu-b's GPUs and waits until the director holds the new figures. */
async function setGpuB(gpus: string, usedOnEach: number): Promise<void> {
  writeFileSync(gpuB.env.NVIDIA_SMI_SIM_GPUS!, gpus);
  await eventually(async () => (await adminServer('gpu-b'))?.gpus?.[0]?.memoryUsedBytes === usedOnEach * GIB, 10_000, `gpu-b reports ${usedOnEach} GiB used`);
}

/** An agent whose nvidia-smi simulator reports `gpus` (written before it starts, so its first update has them). */
async function gpuAgent(hostname: string, tags: string[], gpus: string): Promise<AgentHandle> {
  const dir = tempDir('dcvix-agent-');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'gpus.json'), gpus);
  return startAgent(director.url, { dir, config: { hostname, tags, nvidia_smi_path: NVIDIA_SMI, update_interval: '300ms' } });
}

beforeAll(async () => {
  director = await startDirector({ policy: POLICY, users: Object.fromEntries(USERS.map((user) => [user, `${user}-pw`])) });
  // gpu-a: 24 GiB, 20 used (4 free); gpu-b: two of 24 GiB, 5 used on each (38 free).
  [plain, gpuA, gpuB] = await Promise.all([
    startAgent(director.url, { config: { hostname: 'ws-plain', tags: ['linux', 'site=eu'], nvidia_smi_path: '/nonexistent/nvidia-smi', update_interval: '300ms' } }),
    gpuAgent('gpu-a', ['gpu=a10', 'linux'], gpuList([24, 20])),
    gpuAgent('gpu-b', ['gpu=a10'], ROOMY),
  ]);
  ({ adminCookie: admin } = await approveAgent(director, plain));
  for (const agent of [gpuA, gpuB]) await approveAgent(director, agent, { adminCookie: admin });
  for (const user of USERS) cookies.set(user, await login(director.url, director.caPem, user, `${user}-pw`));
}, 90_000);

afterAll(async () => {
  await Promise.all([plain, gpuA, gpuB].map((agent) => agent?.stop()));
  await director?.stop();
  cleanupTempDirs();
});

describe('pool requirements and GPUs', () => {
  test('ok: agents report their GPUs (read with the documented nvidia-smi query), host facts and key=value tags', async () => {
    const server = await eventually(
      async () => {
        const held = await adminServer('gpu-b');
        return held?.gpus?.length === 2 ? held : undefined;
      },
      10_000,
      'gpu-b reports two GPUs',
    );
    expect(server.gpus[0]).toEqual({ name: 'NVIDIA A10G', memoryTotalBytes: 24 * GIB, memoryUsedBytes: 5 * GIB, utilizationPercent: 10 });
    expect(server.tags).toEqual(['gpu=a10']);
    expect(server.host.osFamily).toBe(process.platform === 'linux' ? 'linux' : server.host.osFamily);
    const plainServer = await adminServer('ws-plain');
    expect(plainServer.gpus).toBeUndefined();
    expect(plainServer.tags).toEqual(['linux', 'site=eu']);
    const asked = readFileSync(gpuB.env.NVIDIA_SMI_SIM_ARGV_LOG!, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(asked[0]).toEqual(['--query-gpu=name,memory.total,memory.used,utilization.gpu', '--format=csv,noheader,nounits']);
    // No nvidia-smi at ws-plain's path: no GPUs, and nothing about it in its log, update after update.
    expect(existsSync(plain.env.NVIDIA_SMI_SIM_ARGV_LOG!)).toBe(false);
    expect(plain.proc.lines.filter((line) => line.includes('nvidia-smi'))).toEqual([]);
  });

  test('ok: a GPU pool places on the member with the most free GPU memory, following the figures as they change', async () => {
    // Both empty: gpu-b (38 GiB free) over gpu-a (4 GiB), though the name would pick gpu-a.
    const first = await createOnPool('u1', 'a10');
    expect([first.status, first.json.session.serverId]).toEqual([200, 'gpu-b']);
    // Free GPU memory comes before the number of sessions: gpu-b again, though gpu-a has none.
    const second = await createOnPool('u2', 'a10');
    expect([second.status, second.json.session.serverId]).toEqual([200, 'gpu-b']);
    // gpu-b full (2 GiB free): it no longer meets the pool's requirements, the next session goes to gpu-a.
    await setGpuB(FULL, 23);
    const third = await createOnPool('u3', 'a10');
    expect([third.status, third.json.session.serverId]).toEqual([200, 'gpu-a']);
    expect(creates(plain)).toBe(0);
  });

  test("ok: a user's session the pool placed is handed back even where the requirements no longer hold", async () => {
    const again = await createOnPool('u1', 'a10');
    expect([again.status, again.json.reconnected, again.json.session.id]).toEqual([200, true, (await adminSessionOf('u1')).id]);
    expect(again.json.session.serverId).toBe('gpu-b');
  });

  test('ok: creates land only on members that satisfy the requirements (a bare tag reads as empty)', async () => {
    const before = creates(gpuB);
    const results = [await createOnPool('u4', 'linux'), await createOnPool('u5', 'linux')];
    // u1's session on gpu-b (placed through a10) is not handed back for linux: gpu-b lacks the linux tag.
    results.push(await createOnPool('u1', 'linux'));
    expect(results.map((result) => [result.status, result.json.reconnected])).toEqual([
      [200, false],
      [200, false],
      [200, false],
    ]);
    expect(results.map((result) => ['ws-plain', 'gpu-a'].includes(result.json.session.serverId))).toEqual([true, true, true]);
    expect(creates(gpuB)).toBe(before);
  });

  test('rejects: a pool no online member satisfies: 503 NO_SERVER_AVAILABLE saying so, nothing created', async () => {
    const before = [plain, gpuA, gpuB].map(creates);
    const response = await createOnPool('u2', 'huge');
    expect([response.status, response.json.error.code]).toEqual([503, 'NO_SERVER_AVAILABLE']);
    expect(response.json.error.message).toBe('no online member of pool huge meets its requirements (3 online do not)');
    expect([plain, gpuA, gpuB].map(creates)).toEqual(before);
  });

  test('rejects: a bad expression on SIGHUP fails the reload naming file, key and character; the last good policy stays', async () => {
    const since = director.proc.lines.length;
    director.writePolicy({ pools: { pools: { ...POOLS.pools, a10: { ...POOLS.pools.a10, requirements: "tag:gpu = 'a10' and server:Host.Gpus.Cuont >= 1" } } } });
    director.proc.proc.kill('SIGHUP');
    await director.proc.waitForMsg('policy reload failed; keeping the last good policy', 5000, since);
    const status = await api('/v1/admin/policy', { cookie: admin });
    expect(status.json.status.lastError).toBe('pools.json: pools.a10.requirements: at character 21: unknown server property "server:Host.Gpus.Cuont"');
    expect(status.json.documents.pools.pools.a10.requirements).toBe(POOLS.pools.a10.requirements);
    director.writePolicy({ pools: POOLS });
  });

  test('rejects: a bad expression at start-up stops the director, naming the file and the key', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'pools.json'), JSON.stringify({ pools: { gpu: { servers: ['*'], requirements: "tag:gpu = 'a10' or" } } }));
    writeFileSync(join(dir, 'director.conf'), 'data_dir = "data"\ndirector_port = 0\n');
    const result = await run([process.execPath, join(repoRoot, 'director/main.ts'), '--config', join(dir, 'director.conf')], { allowFail: true });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(dir, 'pools.json'));
    expect(result.stderr).toContain('pools.gpu.requirements: at character 19: expected tag:<key>, server:<property>, not or "(", found the end');
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });
});

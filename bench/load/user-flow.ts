/**
 * Load process: the user's path through the launcher, one user after another (latency, not
 * throughput): login (external-command backend) -> GET /v1/user/servers -> POST /v1/user/sessions on a
 * pool (placement + create through the agent + dcv) -> GET the .dcv file. Each user is new, so every
 * flow creates a new session.
 */
import { call } from '../../scripts/lib/https.ts';
import { summarise } from '../lib/http.ts';
import { loadArgs, reply } from '../lib/proc.ts';
import { exitOnHelp } from '../../scripts/lib/help.ts';

exitOnHelp(`Usage: bun bench/load/user-flow.ts ...  (a load process the benchmark runner starts: npm run bench)\n  Load process: the user's path through the launcher, one user after another (latency, not throughput): login (external-command backend) -> GET /v1/user/servers -> POST /v1/user/sessions on a pool (plac`);

interface Args {
  url: string;
  caPem: string;
  users: string[];
  password: string;
  poolId: string;
}

const a = loadArgs<Args>();
const steps = { login: [] as number[], servers: [] as number[], createSession: [] as number[], dcvFile: [] as number[], total: [] as number[] };

async function timed<T>(into: number[], fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const r = await fn();
  into.push(performance.now() - t);
  return r;
}

function expect(ok: boolean, what: string, r: { status: number; text: string }) {
  if (!ok) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 300)}`);
}

for (const user of a.users) {
  const t = performance.now();
  const login = await timed(steps.login, () => call(`${a.url}/v1/user/login`, { method: 'POST', ca: a.caPem, json: { userID: user, password: a.password } }));
  expect(login.status === 200, 'login', login);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const servers = await timed(steps.servers, () => call(`${a.url}/v1/user/servers`, { ca: a.caPem, cookie }));
  expect(servers.status === 200 && servers.json.pools.some((p: { id: string; online: number }) => p.id === a.poolId && p.online > 0), 'servers', servers);
  const created = await timed(steps.createSession, () => call(`${a.url}/v1/user/sessions`, { method: 'POST', ca: a.caPem, cookie, json: { poolId: a.poolId, sessionType: 'virtual' } }));
  expect(created.status === 200 && created.json.reconnected === false, 'create session', created);
  const id = created.json.session.id as string;
  const dcv = await timed(steps.dcvFile, () => call(`${a.url}/v1/user/sessions/${encodeURIComponent(id)}/connection.dcv`, { ca: a.caPem, cookie }));
  expect(dcv.status === 200 && dcv.text.startsWith('[version]') && dcv.text.includes(`sessionid=${id}`), '.dcv file', dcv);
  steps.total.push(performance.now() - t);
}

await reply(Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, summarise(v)])));

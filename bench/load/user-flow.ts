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

const args = loadArgs<Args>();
const steps = { login: [] as number[], servers: [] as number[], createSession: [] as number[], dcvFile: [] as number[], total: [] as number[] };

async function timed<T>(into: number[], fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await fn();
  into.push(performance.now() - started);
  return result;
}

function expect(ok: boolean, what: string, response: { status: number; text: string }) {
  if (!ok) throw new Error(`${what}: ${response.status} ${response.text.slice(0, 300)}`);
}

for (const user of args.users) {
  const started = performance.now();
  const login = await timed(steps.login, () => call(`${args.url}/v1/user/login`, { method: 'POST', ca: args.caPem, json: { userID: user, password: args.password } }));
  expect(login.status === 200, 'login', login);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const servers = await timed(steps.servers, () => call(`${args.url}/v1/user/servers`, { ca: args.caPem, cookie }));
  expect(servers.status === 200 && servers.json.pools.some((p: { id: string; online: number }) => p.id === args.poolId && p.online > 0), 'servers', servers);
  const created = await timed(steps.createSession, () => call(`${args.url}/v1/user/sessions`, { method: 'POST', ca: args.caPem, cookie, json: { poolId: args.poolId, sessionType: 'virtual' } }));
  expect(created.status === 200 && created.json.reconnected === false, 'create session', created);
  const id = created.json.session.id as string;
  const dcv = await timed(steps.dcvFile, () => call(`${args.url}/v1/user/sessions/${encodeURIComponent(id)}/connection.dcv`, { ca: args.caPem, cookie }));
  expect(dcv.status === 200 && dcv.text.startsWith('[version]') && dcv.text.includes(`sessionid=${id}`), '.dcv file', dcv);
  steps.total.push(performance.now() - started);
}

await reply(Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, summarise(v)])));

/**
 * The set-up of the HA drills: PostgreSQL, two directors on it (A and B) behind the shipped HAProxy
 * config, and DCV hosts whose agents (dcv simulator) reach the directors through a lag proxy: each
 * host's updates arrive late (sent before a close, they arrive after it) and come from an address of
 * the host's own, so the directors' request log (log_level debug) tells which host an update came
 * from. Users and admins call from 127.0.0.5; HAProxy connects from 127.0.0.1, the directors' only
 * trusted proxy.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { callFrom } from './bound-client.ts';
import { approveAgent, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from './dcvix.ts';
import { startHaproxy } from './haproxy.ts';
import { eventually } from './https.ts';
import { startLagProxy, type LagProxy } from './lag-proxy.ts';
import { startPostgres, type Postgres } from './postgres.ts';
import { repoRoot, tempDir } from './temp.ts';

/** Where a call goes: through HAProxy, or straight to director A or B. */
export type Target = 'lb' | 'a' | 'b';

const CLIENT_ADDRESS = '127.0.0.5';

export interface DcvCall {
  /** Epoch ms when the agent started the command. */
  at: number;
  argv: string[];
}

export interface DrillHost {
  hostname: string;
  agent: AgentHandle;
  guid: string;
  /** The address the directors see this host's updates come from. */
  address: string;
  /** Every dcv command the agent ran, stamped when it started. */
  dcvCalls(): DcvCall[];
}

export interface DrillCall {
  status: number;
  json: any;
  text: string;
}

export interface Drill {
  /** The directors' processes (their log lines tell what happened when a drill fails). */
  directors: { a: DirectorHandle; b: DirectorHandle };
  /** The admin's cookie (valid on both directors). */
  admin: string;
  call(target: Target, path: string, init?: { method?: string; json?: unknown; form?: Record<string, string>; cookie?: string }): Promise<DrillCall>;
  login(target: Target, user: string, password: string): Promise<string>;
  /** Starts an agent whose updates go to `via` `lagMs` late, approves it and waits until both directors list it online. */
  startHost(hostname: string, opts: { via: Target; lagMs: number; closeIdleMs?: number; config?: Record<string, unknown> }): Promise<DrillHost>;
  /** Request-log lines of POST /v1/agent/update on a director from one host: when it arrived, its status. */
  updatesFrom(target: 'a' | 'b', host: DrillHost): { arrivedAt: number; status: number }[];
  stop(): Promise<void>;
}

/** A policy for a drill: pools by host names, users by the pools they may use (password `<name>-pw`), and the admin. */
export interface DrillPolicy {
  policy: { users: unknown; pools: unknown };
  passwords: Record<string, string>;
}

/** Builds a DrillPolicy: `pools` maps a pool to its hosts, `users` a user to their pools. */
export function drillPolicy(pools: Record<string, string[]>, users: Record<string, string[]>): DrillPolicy {
  return {
    policy: {
      users: { admins: ['admin'], users: Object.fromEntries(Object.entries(users).map(([name, list]) => [name, { servers: [], pools: list }])), groups: {} },
      pools: { pools: Object.fromEntries(Object.entries(pools).map(([name, servers]) => [name, { description: name, servers }])) },
    },
    passwords: Object.fromEntries(Object.keys(users).map((name) => [name, `${name}-pw`])),
  };
}

/** `count` user names `prefix00`, `prefix01`, ... */
export const userNames = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, index) => `${prefix}${String(index).padStart(2, '0')}`);

/** Starts PostgreSQL, directors A and B (log_level debug) and HAProxy; `config` adds to both directors' config. */
export async function startDrill(opts: { policy: DrillPolicy; config?: Record<string, unknown> }): Promise<Drill> {
  const pg: Postgres = await startPostgres();
  const stoppers: (() => Promise<void>)[] = [() => pg.stop()];
  const config = { store_url: pg.urlWithoutPassword, token_key: '6a'.repeat(32), trusted_proxies: ['127.0.0.1/32'], log_level: 'debug', ...opts.config };
  const env = { DCVIX_STORE_PASSWORD: pg.password, DCVIX_STORE_CA_KEY: '7b'.repeat(32) };
  const [directorA, directorB] = (await Promise.all([0, 1].map(() => startDirector({ config, env, policy: opts.policy.policy, users: opts.policy.passwords })))) as [DirectorHandle, DirectorHandle];
  const directors = { a: directorA, b: directorB };
  stoppers.unshift(
    () => directorA.stop(),
    () => directorB.stop(),
  );
  const caFile = join(tempDir('dcvix-drill-'), 'ca.pem');
  writeFileSync(caFile, directorA.caPem);
  const lb = await startHaproxy({ directorPorts: [directorA.port, directorB.port], caFile });
  stoppers.unshift(() => lb.stop());
  await lb.waitForStatus('director-a', 'UP');
  await lb.waitForStatus('director-b', 'UP');
  const port = (target: Target) => (target === 'lb' ? lb.port : directors[target].port);
  // Straight to a director over kept connections (a call follows the previous answer within a millisecond or
  // two); through HAProxy over a new connection each time, so it picks a director per call.
  const kept = { a: new Agent({ keepAlive: true, localAddress: CLIENT_ADDRESS }), b: new Agent({ keepAlive: true, localAddress: CLIENT_ADDRESS }) };
  stoppers.push(async () => {
    kept.a.destroy();
    kept.b.destroy();
  });
  const call: Drill['call'] = (target, path, init = {}) =>
    callFrom(CLIENT_ADDRESS, `https://127.0.0.1:${port(target)}${path}`, directorA.caPem, { ...init, ...(target === 'lb' ? {} : { agent: kept[target] }) });
  const login: Drill['login'] = async (target, user, password) => {
    const role = user === 'admin' ? 'admin' : 'user';
    const response = await callFrom(CLIENT_ADDRESS, `https://127.0.0.1:${port(target)}/v1/${role}/login`, directorA.caPem, { method: 'POST', json: { userID: user, password } });
    const cookie = ([response.headers['set-cookie']].flat()[0] ?? '').split(';')[0];
    if (response.status !== 200 || !cookie) throw new Error(`login ${user} failed: ${response.status} ${response.text}`);
    return cookie;
  };
  const admin = await login('a', 'admin', TEST_USERS.admin!);
  let hosts = 0;
  const startHost: Drill['startHost'] = async (hostname, hostOpts) => {
    const address = `127.0.0.${20 + hosts++}`;
    const proxy: LagProxy = await startLagProxy({ port: port(hostOpts.via), localAddress: address }, hostOpts.lagMs, hostOpts.closeIdleMs);
    stoppers.unshift(() => proxy.stop());
    const dir = tempDir('dcvix-drill-agent-');
    const stamps = join(dir, 'dcv-stamps.log');
    const dcv = join(dir, 'dcv');
    // The simulator, each call stamped before it runs (its own argv log has no times).
    writeFileSync(dcv, `#!/bin/sh\nprintf '%s %s\\n' "$(date +%s%3N)" "$*" >> '${stamps}'\nexec '${join(repoRoot, 'tests/fixtures/dcv-simulator.ts')}' "$@"\n`);
    chmodSync(dcv, 0o755);
    const agent = await startAgent(`https://127.0.0.1:${proxy.port}`, { dir, config: { hostname, listen_host: address, dcv_path: dcv, update_interval: '1s', ...hostOpts.config } });
    stoppers.unshift(() => agent.stop());
    const { guid } = await approveAgent({ url: `https://127.0.0.1:${lb.port}`, caPem: directorA.caPem }, agent, { adminCookie: admin });
    for (const target of ['a', 'b'] as const) {
      await eventually(
        async () => ((await call(target, '/v1/servers', { cookie: admin })).json?.servers ?? []).some((s: { id: string; online: boolean }) => s.id === hostname && s.online),
        10_000,
        `${hostname} online on director ${target.toUpperCase()}`,
      );
    }
    const dcvCalls = () =>
      readFileSync(stamps, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [at = '', ...argv] = line.split(' ');
          return { at: Number(at), argv };
        });
    return { hostname, agent, guid, address, dcvCalls };
  };
  const updatesFrom: Drill['updatesFrom'] = (target, host) =>
    directors[target].proc.lines.flatMap((line) => {
      if (!line.includes('/v1/agent/update') || !line.includes(`"${host.address}"`)) return [];
      const record = JSON.parse(line) as { time: string; msg: string; route: string; status: number; ms: number; client: string };
      if (record.msg !== 'request' || record.route !== '/v1/agent/update' || record.client !== host.address) return [];
      return [{ arrivedAt: Date.parse(record.time) - record.ms, status: record.status }];
    });
  return {
    directors,
    admin,
    call,
    login,
    startHost,
    updatesFrom,
    async stop() {
      for (const stop of stoppers) await stop().catch(() => {});
    },
  };
}

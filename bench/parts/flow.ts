import { join } from 'node:path';
import type { BenchConfig } from '../lib/config.ts';
import { ADMIN, approveAgent, startAgent, startDirector, type BenchAgent } from '../lib/director.ts';
import type { Summary } from '../lib/http.ts';
import { runLoad } from '../lib/proc.ts';
import { bareServerStart } from '../lib/bare-start.ts';
import { row, type PartResult } from '../lib/report.ts';

const load = (f: string) => join(import.meta.dir, '..', 'load', f);

/**
 * Part 3: the user flow end to end through a real agent whose `dcv` is the simulator (a Bun script,
 * so each create includes starting it, as a real `dcv create-session` is a process too).
 */
export async function flowPart(cfg: BenchConfig, log: (s: string) => void): Promise<PartResult> {
  const users = Array.from({ length: cfg.flowIterations }, (_, i) => `flow${String(i).padStart(3, '0')}`);
  const host = 'bench-ws';
  const director = await startDirector({
    passwords: Object.fromEntries(users.map((u) => [u, 'flow-pw'])),
    policy: {
      users: { admins: [ADMIN.user], users: Object.fromEntries(users.map((u) => [u, { servers: [], pools: ['workstations'] }])), groups: {} },
      pools: { pools: { workstations: { description: 'Workstations', servers: [host] } } },
    },
  });
  let agent: BenchAgent | undefined;
  try {
    const admin = await director.login(ADMIN.user, ADMIN.password, 'admin');
    agent = await startAgent(director.url, { hostname: host, config: { update_interval: '2s' } });
    // Returns once the agent's first update is in the director's state.
    await approveAgent(director, agent, { adminCookie: admin });
    log(`flow: ${users.length} users log in, list servers, start a session, fetch the .dcv file`);
    const steps = await runLoad<Record<string, Summary>>(load('user-flow.ts'), { url: director.url, caPem: director.caPem, users, password: 'flow-pw', poolId: 'workstations' });
    const rows = Object.entries(steps).map(([step, s]) => row('3 flow', `${step === 'total' ? 'whole flow' : step} p50 / p99 (n=${s.n})`, `${s.p50} / ${s.p99}`, 'ms', `flow.${step}.p50`));
    const figures = Object.fromEntries(
      Object.entries(steps).flatMap(([step, s]) => [
        [`flow.${step}.p50`, s.p50],
        [`flow.${step}.p99`, s.p99],
      ]),
    );
    // The flow spawns processes (the login command, the dcv simulator): the guard's anchor is a bare start.
    const bare = await bareServerStart(cfg.starts * 2, director.dataDir, director.caPem);
    figures['flow.bareBun.p50'] = bare.p50;
    rows.push(row('3 flow', `anchor: bare \`bun -e\` Bun.serve with TLS, exec -> first HTTPS answer, median of ${bare.n}`, bare.p50, 'ms', 'flow.bareBun.p50'));
    return { rows, figures, raw: { ...steps, bareBun: bare } };
  } finally {
    await agent?.proc.stop();
    await director.stop();
  }
}

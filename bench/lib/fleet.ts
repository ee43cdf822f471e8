import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnrolFigures, Identity } from '../load/enrol.ts';
import { ADMIN, startDirector } from './director.ts';
import { runLoad } from './proc.ts';

/**
 * A director data dir with `count` agents enrolled through the real API (register -> admin approve ->
 * certificate), and the agents' identities in a JSON file. Built once per run and shared: part 1 uses
 * the first K agents, part 5 all of them. Later parts restart the director on this dir, so runtime
 * state starts empty each time while the registrations persist.
 */
export interface Fleet {
  dir: string;
  identitiesFile: string;
  count: number;
  enrol: EnrolFigures;
}

const ENROL_CONNECTIONS = 4;

export async function buildFleet(count: number, log: (s: string) => void): Promise<Fleet> {
  // BENCH_FLEET_DIR keeps the enrolled fleet between runs (it is never deleted): for iterating on one
  // part without enrolling 10,000 agents each time. Enrolment figures then come from the first run.
  const keep = process.env.BENCH_FLEET_DIR;
  const meta = keep ? join(keep, 'fleet.json') : '';
  if (keep && existsSync(meta)) {
    const kept = JSON.parse(readFileSync(meta, 'utf8')) as Fleet;
    if (kept.count >= count) {
      log(`reusing the fleet of ${kept.count} agents in ${keep} (BENCH_FLEET_DIR)`);
      return kept;
    }
  }
  if (keep) mkdirSync(keep, { recursive: true });
  const fleet = await enrolFleet(count, log, keep);
  if (keep) writeFileSync(meta, JSON.stringify(fleet));
  return fleet;
}

/** Enrols `count` agents on a fresh director (in `dir` when given); `config` adds director keys (e.g. a store). */
export async function enrolFleet(count: number, log: (s: string) => void, dir: string | undefined, extra: Record<string, unknown> = {}): Promise<Fleet> {
  // The whole fleet registers (pending) before the admin approves it: lift the cap on pending
  // registrations (max_pending_agents, default 1,000) for this director only.
  const config = { max_pending_agents: Math.max(1000, count), ...extra };
  const director = await startDirector(dir ? { dir, config } : { config });
  try {
    const adminCookie = await director.login(ADMIN.user, ADMIN.password, 'admin');
    const identitiesFile = join(director.dir, 'identities.json');
    log(`enrolling ${count} agents through the API`);
    const enrol = await runLoad<Fleet['enrol']>(join(import.meta.dir, '..', 'load', 'enrol.ts'), {
      url: director.url,
      caPem: director.caPem,
      adminCookie,
      count,
      hostPrefix: 'ws',
      concurrency: 16,
      // A few kept-alive connections keep the director busy without the load process outweighing it.
      connections: ENROL_CONNECTIONS,
      targetPid: director.proc.pid,
      out: identitiesFile,
    });
    log(`enrolled ${count} agents in ${enrol.totalS} s (certificates issued at ${enrol.issuePerS}/s, p50 ${enrol.issueLatencyMs.p50} ms, p99 ${enrol.issueLatencyMs.p99} ms)`);
    return { dir: director.dir, identitiesFile, count, enrol };
  } finally {
    await director.stop();
  }
}

export type { Identity };

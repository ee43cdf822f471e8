import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnrolFigures, Identity } from '../load/enrol.ts';
import { ADMIN, startDirector } from './director.ts';
import { runLoad } from './proc.ts';

/**
 * A director data dir with `count` agents, and the agents' identities in a JSON file: the first ones
 * enrolled through the real API (register -> admin approve -> certificate), the rest seeded through
 * the director's own store and CA code (bench/load/seed-agents.ts) where enrolling them all through
 * the API would take most of the run. Built once per run and shared: part 1 uses the first K agents,
 * part 5 all of them. Later parts restart the director on this dir, so runtime state starts empty each
 * time while the registrations persist.
 */
export interface Fleet {
  dir: string;
  identitiesFile: string;
  count: number;
  enrol: EnrolFigures;
  /** Agents added without the API, and how fast (two seeders in parallel). */
  seeded?: { count: number; seconds: number; perS: number };
}

const ENROL_CONNECTIONS = 4;

/** Seeders run in parallel, one per core: certificate signing is the cost. */
const SEEDERS = 2;

/** `enrolled` agents through the API, then seeded ones up to `count` in the same data dir. */
export async function buildFleet(enrolled: number, count: number, log: (s: string) => void): Promise<Fleet> {
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
  const fleet = await enrolFleet(Math.min(enrolled, count), log, keep);
  if (count > fleet.count) fleet.seeded = await seedAgents(fleet, count - fleet.count, log);
  fleet.count = count;
  if (keep) writeFileSync(meta, JSON.stringify(fleet));
  return fleet;
}

/** Adds `extra` registered agents to the fleet's (stopped) director data dir and its identities file. */
async function seedAgents(fleet: Fleet, extra: number, log: (s: string) => void): Promise<NonNullable<Fleet['seeded']>> {
  log(`seeding ${extra} more agents through the director's store and CA code (${SEEDERS} processes)`);
  const started = performance.now();
  const first = fleet.count;
  const share = Math.ceil(extra / SEEDERS);
  const pad = String(first + extra).length;
  const outs = Array.from({ length: SEEDERS }, (_, index) => join(fleet.dir, `seeded-${index}.json`));
  await Promise.all(
    outs.map((out, index) => {
      const from = index * share;
      const count = Math.min(share, extra - from);
      return runLoad(join(import.meta.dir, '..', 'load', 'seed-agents.ts'), { dataDir: join(fleet.dir, 'data'), first: first + from, count, hostPrefix: 'ws', pad, out });
    }),
  );
  const identities: Identity[] = JSON.parse(readFileSync(fleet.identitiesFile, 'utf8'));
  for (const out of outs) identities.push(...(JSON.parse(readFileSync(out, 'utf8')) as Identity[]));
  writeFileSync(fleet.identitiesFile, JSON.stringify(identities));
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  log(`seeded ${extra} agents in ${seconds} s`);
  return { count: extra, seconds, perS: Math.round((extra / seconds) * 10) / 10 };
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

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHaproxy } from '../../tests/helpers/haproxy.ts';
import type { SQL } from 'bun';
import { connectPostgres } from '../../director/store/postgres.ts';
import { startPostgres } from '../../tests/helpers/postgres.ts';
import type { BenchConfig } from '../lib/config.ts';
import { ADMIN, login, startDirector, tempDir } from '../lib/director.ts';
import { enrolFleet } from '../lib/fleet.ts';
import { runLoad } from '../lib/proc.ts';
import { row, type PartResult } from '../lib/report.ts';

/** Commits and rows written in the director's database so far (pg_stat_database / pg_stat_user_tables). */
async function storeWrites(sql: SQL): Promise<{ at: number; commits: number; rows: number }> {
  const [db] = await sql`SELECT xact_commit::float8 AS commits FROM pg_stat_database WHERE datname = current_database()`;
  const [tables] = await sql`SELECT coalesce(sum(n_tup_ins + n_tup_upd), 0)::float8 AS rows FROM pg_stat_user_tables WHERE relname IN ('servers', 'sessions')`;
  return { at: performance.now(), commits: db.commits, rows: tables.rows };
}

interface UpdateRun {
  perS: number;
  errors: number;
  firstError: string;
  latencyMs: { p50: number; p99: number };
}

/**
 * Part ha: agent updates/s through HAProxy to two directors on PostgreSQL, against one director on
 * the embedded store, in one run (same agents count, keep-alive); then the failover time: kill -9 of
 * a director to the first successful user request through HAProxy. PostgreSQL, HAProxy, both directors
 * and the load share the machine, so the figures are recorded, not gated.
 */
export async function haPart(cfg: BenchConfig, log: (s: string) => void): Promise<PartResult> {
  const agents = Math.min(cfg.agents, 1000);
  const pg = await startPostgres();
  const secrets = tempDir('dcvix-bench-ha-');
  writeFileSync(join(secrets, 'pw'), pg.password, { mode: 0o600 });
  writeFileSync(join(secrets, 'ca-key'), '6a'.repeat(32), { mode: 0o600 });
  const store = { store_url: pg.urlWithoutPassword, store_password_file: join(secrets, 'pw'), store_ca_key_file: join(secrets, 'ca-key') };
  const proxied = { ...store, trusted_proxies: ['127.0.0.1/32'] };
  const updates = (port: number, identitiesFile: string, caPem: string, targetPid: number) =>
    runLoad<UpdateRun>(join(import.meta.dir, '..', 'load', 'updates.ts'), {
      port,
      caPem,
      identitiesFile,
      agents,
      mode: 'keepalive',
      durationS: cfg.durationS,
      concurrency: cfg.concurrency,
      sessionsPerAgent: cfg.sessionsPerAgent,
      targetPid,
    });
  const stops: (() => Promise<unknown>)[] = [() => pg.stop()];
  try {
    log(`ha: enrolling ${agents} agents on the embedded store and ${agents} on PostgreSQL`);
    const solo = await enrolFleet(agents, log, undefined);
    const shared = await enrolFleet(agents, log, undefined, store);

    const one = await startDirector({ dir: solo.dir });
    log('ha: updates against one director on the embedded store');
    const sqliteRun = await updates(one.port, solo.identitiesFile, one.caPem, one.proc.pid);
    await one.stop();

    const first = await startDirector({ dir: shared.dir, config: proxied });
    stops.unshift(() => first.stop());
    const second = await startDirector({ config: proxied });
    stops.unshift(() => second.stop());
    const caFile = join(secrets, 'ca.pem');
    writeFileSync(caFile, first.caPem);
    const lb = await startHaproxy({ directorPorts: [first.port, second.port], caFile });
    stops.unshift(() => lb.stop());
    await lb.waitForStatus('director-a', 'UP');
    await lb.waitForStatus('director-b', 'UP');
    log('ha: updates through HAProxy to two directors on PostgreSQL');
    const stats = await connectPostgres(pg.url, undefined, { max: 1 });
    stops.push(() => stats.close());
    const before = await storeWrites(stats);
    const haRun = await updates(lb.port, shared.identitiesFile, first.caPem, first.proc.pid);
    // Statistics reach pg_stat_* within about half a second of the commits.
    await Bun.sleep(1000);
    const after = await storeWrites(stats);
    const seconds = (after.at - before.at) / 1000;
    const commitsPerS = Math.round((after.commits - before.commits) / seconds);
    const rowsPerS = Math.round((after.rows - before.rows) / seconds);
    for (const [name, run] of [
      ['sqlite', sqliteRun],
      ['ha', haRun],
    ] as const)
      if (run.errors) throw new Error(`${name}: ${run.errors} failed updates, first: ${run.firstError}`);

    // Failover: a user's cookie, then kill -9 of director A and requests until one succeeds.
    const lbUrl = `https://127.0.0.1:${lb.port}`;
    const cookie = await login(lbUrl, first.caPem, ADMIN.user, ADMIN.password, 'admin');
    first.proc.proc.kill('SIGKILL');
    const killed = performance.now();
    let failoverMs = -1;
    let failed = 0;
    while (performance.now() - killed < 10_000) {
      const ok = await fetch(`${lbUrl}/v1/admin/agents?state=pending`, { headers: { cookie }, tls: { ca: first.caPem } } as RequestInit).then(
        (res) => res.status === 200,
        () => false,
      );
      if (ok) {
        failoverMs = Math.round(performance.now() - killed);
        break;
      }
      failed++;
    }
    const vsSqlite = Math.round((haRun.perS / sqliteRun.perS) * 1000) / 1000;
    return {
      rows: [
        row('ha', `agent updates/s, ${agents} agents keep-alive: 1 director, embedded store`, sqliteRun.perS, '/s', 'ha.sqlite.perS'),
        row('ha', `agent updates/s, ${agents} agents keep-alive: HAProxy + 2 directors on PostgreSQL`, haRun.perS, '/s', 'ha.ha.perS'),
        row('ha', 'HAProxy + 2 directors on PostgreSQL / 1 director on the embedded store', vsSqlite, '', 'ha.vsSqlite'),
        row('ha', 'p50 / p99, 1 director / via HAProxy', `${sqliteRun.latencyMs.p50} / ${sqliteRun.latencyMs.p99}, ${haRun.latencyMs.p50} / ${haRun.latencyMs.p99}`, 'ms'),
        row('ha', 'store load meanwhile: commits/s (all statements) / servers and sessions rows written/s', `${commitsPerS} / ${rowsPerS}`),
        row('ha', 'failover: kill -9 to first OK user request through HAProxy', failoverMs, 'ms', 'ha.failoverMs'),
        row('ha', 'failed user requests before it', failed),
      ],
      figures: { 'ha.sqlite.perS': sqliteRun.perS, 'ha.ha.perS': haRun.perS, 'ha.vsSqlite': vsSqlite, 'ha.failoverMs': failoverMs },
      raw: { agents, sqlite: sqliteRun, ha: haRun, store: { commitsPerS, rowsPerS }, failoverMs, failedBeforeFailover: failed },
    };
  } finally {
    for (const stop of stops) await stop().catch(() => {});
  }
}

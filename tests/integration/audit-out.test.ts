import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { createSocket } from 'node:dgram';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chainHash } from '../../director/audit/chain.ts';
import { command, startDirector, TEST_USERS, toml, type DirectorHandle } from '../helpers/dcvix.ts';
import { eventually, login } from '../helpers/https.ts';
import { run } from '../helpers/run.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

/**
 * Audit out through a real director: every event goes, besides the store, to a syslog collector (a UDP
 * listener started here) as RFC 5424 and to a JSON-lines file rotated by size, each carrying the
 * director's hash chain; `dcvix-director audit verify` finds the chain intact, and names an edited and
 * a deleted event in a copy of the store.
 */
const LOGINS = 40;
let director: DirectorHandle;
const datagrams: string[] = [];
const udp = createSocket('udp4');
let file: string;

interface Line {
  eventId: string;
  at: number;
  time: string;
  type: string;
  outcome: string;
  actor?: string;
  chain: string;
  hash: string;
}

beforeAll(async () => {
  udp.on('message', (message) => datagrams.push(message.toString()));
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const dir = tempDir('dcvix-audit-out-');
  file = join(dir, 'export', 'audit.jsonl');
  director = await startDirector({ dir, config: { audit: { syslog: `udp://127.0.0.1:${udp.address().port}`, syslog_facility: 'local3', file, file_max_bytes: 4096, file_keep: 2 } } });
  for (let index = 0; index < LOGINS; index++) await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
  await login(director.url, director.caPem, 'admin', 'wrong', 'admin').catch(() => undefined);
}, 60_000);

afterAll(async () => {
  await director?.stop();
  udp.close();
  cleanupTempDirs();
});

const exported = (): Line[] =>
  [`${file}.2`, `${file}.1`, file]
    .filter(existsSync)
    .flatMap((name) => readFileSync(name, 'utf8').trim().split('\n'))
    .map((line) => JSON.parse(line));

describe('audit out', () => {
  test('ok: syslog gets one RFC 5424 message per event (facility local3, severity by outcome), with the chain and hash', async () => {
    const logins = await eventually(
      () => {
        const found = datagrams.filter((message) => message.includes(' login - '));
        return found.length >= LOGINS + 1 && found;
      },
      10_000,
      'login messages at the UDP listener',
    );
    const [, pri, time, host, app, msgid, json] = /^<(\d+)>1 (\S+) (\S+) (\S+) \d+ (\S+) - (\{.*\})$/.exec(logins[0]!)!;
    expect([Number(pri), app, msgid, Boolean(host)]).toEqual([19 * 8 + 6, 'dcvix-director', 'login', true]);
    const body = JSON.parse(json!);
    expect(body).toMatchObject({ type: 'login', outcome: 'success', actor: 'admin', chain: expect.any(String), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(new Date(time!).getTime()).toBe(body.at);
    const failure = logins.find((message) => message.includes('"outcome":"failure"'))!;
    expect(failure.startsWith(`<${19 * 8 + 4}>1 `)).toBe(true);
  });

  test('ok: the JSON-lines file is rotated by size (file, file.1, file.2 and no more), and its lines carry an unbroken chain', async () => {
    const lines = await eventually(
      () => {
        const all = exported();
        return all.some((line) => line.type === 'login' && line.outcome === 'failure') && all;
      },
      10_000,
      'the last login in the export file',
    );
    expect([existsSync(`${file}.1`), existsSync(`${file}.2`), existsSync(`${file}.3`)]).toEqual([true, true, false]);
    expect(lines.length).toBeLessThan(LOGINS);
    for (const name of [file, `${file}.1`]) expect(readFileSync(name).length).toBeLessThanOrEqual(4096);
    // The oldest lines went with the rotation beyond file.2: the chain is checked from the first line kept on.
    for (let index = 1; index < lines.length; index++) {
      const line = lines[index]!;
      expect([index, line.hash]).toEqual([index, chainHash(lines[index - 1]!.hash, line.chain, line)]);
    }
  });

  test('ok: audit verify finds the chain intact in the store', async () => {
    const verified = await director.command('audit', 'verify');
    expect([verified.code, verified.stdout]).toEqual([0, expect.stringContaining('audit chains intact')]);
    expect(verified.stdout).toMatch(/chain \S+: \d+ events .*checked from its start/);
  });

  test('rejects: in a copy of the store, an edited event and a deleted one are named and the check fails', async () => {
    const copy = tempDir('dcvix-audit-copy-');
    // The director's files, and its database copied consistently while it runs (VACUUM INTO).
    cpSync(director.dataDir, join(copy, 'data'), { recursive: true, filter: (source) => !source.includes('agents.db') });
    const target = join(copy, 'data', 'agents.db');
    const live = new Database(join(director.dataDir, 'agents.db'), { readonly: true });
    live.run(`VACUUM INTO '${target}'`);
    live.close();
    const db = new Database(target);
    const rows = db.query<{ id: number }, []>("SELECT id FROM audit_events WHERE type = 'login' ORDER BY id").all();
    db.run("UPDATE audit_events SET actor = 'mallory' WHERE id = ?", [rows[3]!.id]);
    db.run('DELETE FROM audit_events WHERE id = ?', [rows[6]!.id]);
    db.close();
    const config = join(copy, 'dcvix-director.conf');
    writeFileSync(config, toml({ data_dir: join(copy, 'data') }));
    const verified = await run([...command('director'), 'audit', 'verify', '--config', config], { allowFail: true });
    expect(verified.code).toBe(1);
    expect(verified.stdout).toContain(`event ${rows[3]!.id} does not follow from event ${rows[2]!.id}`);
    expect(verified.stdout).toContain(`event ${rows[7]!.id} does not follow from event ${rows[5]!.id}: an event between them was deleted, or this one was edited`);
    expect(verified.stdout).toContain('audit chain check FAILED: 2 break(s)');
  });
});

import { describe, expect, test } from 'bun:test';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../tests/helpers/temp.ts';
import { AuditSpool } from './spool-file.ts';

const event = (actor: string) => ({ eventId: `id-${actor}`, at: 1000, type: 'login', actor, outcome: 'success' as const });

describe('audit spool file', () => {
  test('ok: appends JSON lines (0600, folder made), reads them back in batches from an offset, and clear() empties it', () => {
    const path = join(tempDir('dcvix-spool-'), 'data', 'audit-spool.jsonl');
    const spool = new AuditSpool(path);
    expect(spool.hasEvents()).toBe(false);
    expect(spool.read(0, 10)).toEqual({ events: [], bad: 0, next: 0 });
    spool.append([event('a'), event('b'), { ...event('c'), detail: 'ünïcode ✓', clientAddress: '10.0.0.1' }]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(spool.hasEvents()).toBe(true);
    const first = spool.read(0, 2);
    expect(first.events.map((e) => e.actor)).toEqual(['a', 'b']);
    const rest = spool.read(first.next, 2);
    expect(rest.events).toEqual([{ ...event('c'), detail: 'ünïcode ✓', clientAddress: '10.0.0.1' }]);
    expect(rest.next).toBe(statSync(path).size);
    expect(spool.read(rest.next, 2)).toEqual({ events: [], bad: 0, next: rest.next });
    spool.clear();
    expect(spool.hasEvents()).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  test('rejects: a line torn by a crash and lines that are not events are skipped and counted; the next append starts a line of its own', () => {
    const path = join(tempDir('dcvix-spool-'), 'audit-spool.jsonl');
    writeFileSync(path, `${JSON.stringify(event('a'))}\n{"eventId":"x","at":"soon","type":"login","outcome":"success"}\n\n{"eventId":"id-b","at":1`, { mode: 0o644 });
    const spool = new AuditSpool(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    spool.append([event('c')]);
    const all = spool.read(0, 100);
    expect([all.events.map((e) => e.actor), all.bad]).toEqual([['a', 'c'], 2]);
    appendFileSync(path, 'no newline yet');
    expect(spool.read(all.next, 100)).toEqual({ events: [], bad: 0, next: all.next });
  });
});

import { describe, expect, test } from 'bun:test';
import { csvCell, exportAuditCsv } from './csv.ts';
import { auditPage } from './log.ts';
import type { AuditRecord, AuditStore, PagedAuditLog } from './types.ts';

/** A log over events held in memory (ids 1..count), newest first, honouring before and limit. */
function logOf(count: number, make: (id: number) => Partial<AuditRecord> = () => ({})): PagedAuditLog {
  const all: AuditRecord[] = Array.from({ length: count }, (_, index) => ({
    id: index + 1,
    at: Date.UTC(2026, 0, 1) + index,
    type: 'login',
    outcome: 'success' as const,
    ...make(index + 1),
  })).reverse();
  const store: AuditStore = { append: async () => {}, list: async (f) => all.filter((e) => f.before === undefined || e.id < f.before).slice(0, f.limit) };
  return { record: () => {}, list: async (f) => store.list({ ...f, limit: f?.limit ?? 100 }), page: (f) => auditPage(store, f) };
}

describe('audit CSV', () => {
  test('ok: RFC 4180 quoting: quotes doubled, cells with a comma, quote or line break quoted; UTF-8 kept', () => {
    expect(['plain', 'a,b', 'say "hi"', 'two\nlines', 'ünïcode ✓', ''].map(csvCell)).toEqual(['plain', '"a,b"', '"say ""hi"""', '"two\nlines"', 'ünïcode ✓', '']);
  });

  test('rejects: a cell a spreadsheet would run as a formula gets a leading quote', () => {
    expect(['=1+1', '+cmd', '-2', '@SUM(A1)', '\tx', '\rx', '=HYPERLINK("http://x","y")', 'a=b'].map(csvCell)).toEqual([
      "'=1+1",
      "'+cmd",
      "'-2",
      "'@SUM(A1)",
      "'\tx",
      '"\'\rx"',
      '"\'=HYPERLINK(""http://x"",""y"")"',
      'a=b',
    ]);
  });

  test('ok: a header row, then one CRLF line per event, newest first, across pages', async () => {
    const { csv, next } = await exportAuditCsv(
      logOf(1500, (id) => (id === 1500 ? { actor: '=cmd|calc', detail: 'x, "y"', clientAddress: '10.0.0.1' } : {})),
      {},
    );
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('id,time,type,outcome,actor,target,client_address,backend,detail');
    expect(lines[1]).toBe(`1500,2026-01-01T00:00:01.499Z,login,success,'=cmd|calc,,10.0.0.1,,"x, ""y"""`);
    expect(lines).toHaveLength(1 + 1500 + 1);
    expect([lines.at(-2)!.split(',')[0], lines.at(-1), next]).toEqual(['1', '', undefined]);
  });

  test('ok: at most maxRows rows; next names where the rest starts', async () => {
    const log = logOf(2500);
    const first = await exportAuditCsv(log, {}, 1200);
    expect([first.csv.split('\r\n').length - 2, first.next]).toEqual([1200, '1301']);
    const rest = await exportAuditCsv(log, { before: Number(first.next) }, 1200);
    expect([rest.csv.split('\r\n')[1]!.split(',')[0], rest.csv.split('\r\n').length - 2, rest.next]).toEqual(['1300', 1200, '101']);
  });
});

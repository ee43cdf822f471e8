import { AUDIT_PAGE_MAX } from './log.ts';
import type { AuditFilter, AuditRecord, PagedAuditLog } from './types.ts';

/** Most rows one CSV export holds; older rows come with the next export (`before`, from X-Audit-Next). */
export const AUDIT_CSV_MAX_ROWS = 50_000;

const HEADER = ['id', 'time', 'type', 'outcome', 'actor', 'target', 'client_address', 'backend', 'detail'];
/** What a spreadsheet would run as a formula (or a DDE call) when a cell starts with it. */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One cell, RFC 4180: quoted (quotes doubled) when it holds a quote, comma or line break. A cell that
 * starts with = + - @ tab or CR gets a leading `'` first, so a spreadsheet shows it as text instead of
 * running it: a user name or a client address is chosen by whoever sent the request.
 */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const csvLine = (cells: string[]) => `${cells.map(csvCell).join(',')}\r\n`;

const eventLine = (e: AuditRecord) => csvLine([String(e.id), new Date(e.at).toISOString(), e.type, e.outcome, e.actor ?? '', e.target ?? '', e.clientAddress ?? '', e.backend ?? '', e.detail ?? '']);

/**
 * The events the filter matches as CSV text (UTF-8, CRLF line ends, a header row), newest first, read
 * page by page; at most `maxRows` rows. `next` is the cursor of the rest when rows were left out.
 */
export async function exportAuditCsv(audit: PagedAuditLog, filter: AuditFilter, maxRows = AUDIT_CSV_MAX_ROWS): Promise<{ csv: string; next?: string }> {
  const lines = [csvLine(HEADER)];
  let before = filter.before;
  for (let rows = 0; rows < maxRows; ) {
    const page = await audit.page({ ...filter, before, limit: Math.min(AUDIT_PAGE_MAX, maxRows - rows) });
    for (const event of page.events) lines.push(eventLine(event));
    rows += page.events.length;
    if (!page.next) return { csv: lines.join('') };
    before = Number(page.next);
  }
  return { csv: lines.join(''), next: String(before) };
}

/** Small formatters for what people read: relative times, sizes, percentages. */

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const tf = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const tfs = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

const toDate = (v: string | number | null | undefined): Date | undefined => {
  if (v === null || v === undefined || v === '') return undefined;
  const d = new Date(typeof v === 'number' && v < 1e12 ? v * 1000 : v);
  return Number.isNaN(d.getTime()) ? undefined : d;
};

/** "3 minutes ago", "in 2 hours"; "—" when unknown. */
export function relativeTime(v: string | number | null | undefined, now = Date.now()): string {
  const d = toDate(v);
  if (!d) return '—';
  const s = Math.round((d.getTime() - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 45) return 'just now';
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86_400), 'day');
}

/** Full local date and time, for titles and tables. */
export function dateTime(v: string | number | null | undefined): string {
  const d = toDate(v);
  return d ? dtf.format(d) : '—';
}

/** Local clock time ("14:05", or "14:05:09" with seconds). */
export function clockTime(v: string | number | null | undefined, seconds = false): string {
  const d = toDate(v);
  return d ? (seconds ? tfs : tf).format(d) : '—';
}

/** Memory in one unit everywhere, GiB (2^30 bytes): 34359738368 -> "32 GiB", 1610612736 -> "1.5 GiB". */
export function bytes(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '0 GiB';
  const gib = n / 2 ** 30;
  return gib >= 10 ? `${Math.round(gib)} GiB` : `${gib.toFixed(1)} GiB`;
}

/** A percentage (0..100) -> "42%". */
export function percent(v: number): string {
  return `${Math.round(Math.max(0, Math.min(100, Number.isFinite(v) ? v : 0)))}%`;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

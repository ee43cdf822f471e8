/** Small formatters for what people read: relative times, sizes, percentages. */

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const tf = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const tfs = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

const toDate = (value: string | number | null | undefined): Date | undefined => {
  if (value === null || value === undefined || value === '') return undefined;
  const date = new Date(typeof value === 'number' && value < 1e12 ? value * 1000 : value);
  return Number.isNaN(date.getTime()) ? undefined : date;
};

/** "3 minutes ago", "in 2 hours"; "—" when unknown. */
export function relativeTime(v: string | number | null | undefined, now = Date.now()): string {
  const date = toDate(v);
  if (!date) return '—';
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86_400), 'day');
}

/** Full local date and time, for titles and tables. */
export function dateTime(value: string | number | null | undefined): string {
  const date = toDate(value);
  return date ? dtf.format(date) : '—';
}

/** Local clock time ("14:05", or "14:05:09" with seconds). */
export function clockTime(value: string | number | null | undefined, seconds = false): string {
  const date = toDate(value);
  return date ? (seconds ? tfs : tf).format(date) : '—';
}

/** Memory in one unit everywhere, GiB (2^30 bytes): 34359738368 -> "32 GiB", 1610612736 -> "1.5 GiB". */
export function bytes(count: number): string {
  if (!Number.isFinite(count) || count <= 0) return '0 GiB';
  const gib = count / 2 ** 30;
  return gib >= 10 ? `${Math.round(gib)} GiB` : `${gib.toFixed(1)} GiB`;
}

/** A percentage (0..100) -> "42%". */
export function percent(value: number): string {
  return `${Math.round(Math.max(0, Math.min(100, Number.isFinite(value) ? value : 0)))}%`;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

import { html } from 'htm/preact';
import { bytes, dateTime, percent, relativeTime } from '../format.ts';
import type { ServerHealth, ServerStats } from '../types.ts';

export type Tone = 'ok' | 'off' | 'warn' | 'bad' | 'info' | 'neutral';

/** A small coloured label; the text carries the meaning, colour only helps. */
export function Badge({ tone = 'neutral', label }: { tone?: Tone; label: string }) {
  return html`<span class=${`badge badge-${tone}`}>${label}</span>`;
}

export const OnlineBadge = ({ online }: { online: boolean }) => html`<${Badge} tone=${online ? 'ok' : 'off'} label=${online ? 'Online' : 'Offline'} />`;

/**
 * Healthy, or the reason placement skips the server, with the director's message in words (visible,
 * not only in the tooltip, so keyboard and screen-reader users get it too) and since when;
 * `stale`: not updated since the director restarted.
 */
export function HealthBadge({ health, stale }: { health: ServerHealth | null | undefined; stale?: boolean }) {
  const staleBadge = stale ? html` <${Badge} tone="warn" label="Not updated since restart" />` : null;
  if (!health) return html`<span>—</span>${staleBadge}`;
  const since = html`<div class="muted small" title=${dateTime(health.since)}>since ${relativeTime(health.since)}</div>`;
  if (health.status === 'healthy') return html`<${Badge} tone="ok" label="Healthy" />${staleBadge}${since}`;
  const title = `${health.message ?? ''} (since ${new Date(health.since).toLocaleString()})`;
  return html`<span title=${title}><${Badge} tone=${health.reason === 'MISCONFIGURED_TIMEOUTS' ? 'warn' : 'bad'} label=${health.reason ?? 'Unhealthy'} /></span>${staleBadge}
    ${health.message ? html`<div class="small">${health.message}</div>` : null}${since}`;
}

/** An unhealthy server's reason on a launcher card (healthy says nothing). */
export function HealthNote({ health }: { health: ServerHealth | null | undefined }) {
  if (!health || health.status === 'healthy') return null;
  return html`<p class="small health-note">${health.message ?? 'This server has a problem and may not start sessions.'}</p>`;
}

export function Tags({ tags }: { tags: readonly string[] }) {
  if (!tags.length) return null;
  return html`<ul class="tags" aria-label="Tags">${tags.map((t) => html`<li key=${t}>${t}</li>`)}</ul>`;
}

/** A labelled meter (memory, CPU). */
export function Meter({ label, value, text }: { label: string; value: number; text: string }) {
  const v = Math.max(0, Math.min(100, value));
  return html`<div class="meter">
    <span class="meter-label">${label}</span>
    <meter min="0" max="100" low="70" high="90" optimum="0" value=${v} aria-label=${`${label} ${text}`}></meter>
    <span class="meter-text">${text}</span>
  </div>`;
}

/** CPU, memory and load of a server. */
export function StatsSummary({ stats }: { stats: ServerStats | null }) {
  if (!stats) return html`<p class="muted small">No statistics yet.</p>`;
  const usedMem = stats.total_memory > 0 ? ((stats.total_memory - stats.free_memory) / stats.total_memory) * 100 : 0;
  return html`<div class="stats">
    <${Meter} label="CPU" value=${stats.cpu_usage} text=${`${percent(stats.cpu_usage)} of ${stats.cores} cores`} />
    <${Meter} label="Memory" value=${usedMem} text=${`${bytes(stats.total_memory - stats.free_memory)} of ${bytes(stats.total_memory)}`} />
    <p class="muted small">Load ${stats.load1.toFixed(2)} · ${stats.load5.toFixed(2)} · ${stats.load15.toFixed(2)}</p>
  </div>`;
}

/** A colon-separated fingerprint that wraps only between bytes (<wbr>, so copying stays exact). */
export function Fingerprint({ value }: { value: string | null }) {
  if (!value) return html`<span>—</span>`;
  const parts = value.split(':');
  return html`<span class="fingerprint">${parts.map((p, i) => (i < parts.length - 1 ? html`${p}:<wbr />` : p))}</span>`;
}

import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { describeError } from '../api.ts';
import { clockTime } from '../format.ts';

/** An error in words, announced to screen readers; optional retry. */
export function ErrorNote({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  if (!error) return null;
  return html`<div class="note note-error" role="alert">
    ${title ? html`<strong class="note-title">${title}</strong>` : null}
    <p>${describeError(error)}</p>
    ${onRetry ? html`<button type="button" class="btn btn-quiet btn-small" onClick=${onRetry}>Try again</button>` : null}
  </div>`;
}

/** A calm notice (info, success or warning). */
export function Note({ tone = 'info', children }: { tone?: 'info' | 'success' | 'warning'; children: ComponentChildren }) {
  return html`<div class=${`note note-${tone}`} role=${tone === 'warning' ? 'alert' : 'status'}>${children}</div>`;
}

/** Grey placeholder blocks that hold the layout while data loads. */
export function Skeleton({ lines = 3, class: cls = '' }: { lines?: number; class?: string }) {
  return html`<div class=${`skeleton ${cls}`} aria-hidden="true">
    ${Array.from({ length: lines }, (_, i) => html`<span class=${`skeleton-line w${(i % 3) + 1}`}></span>`)}
  </div>`;
}

/** Nothing to show, said kindly, with what to do next. */
export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return html`<div class="empty"><h3>${title}</h3>${children ? html`<p>${children}</p>` : null}</div>`;
}

/** "Updated just now" with a refresh spinner that takes no extra space; `stale`: the director is unreachable. */
export function Freshness({ fetching, updatedAt, stale }: { fetching: boolean; updatedAt: number; stale?: boolean }) {
  const secs = updatedAt ? Math.max(0, Math.round((Date.now() - updatedAt) / 1000)) : 0;
  if (stale) return html`<span class="freshness freshness-stale" data-testid="freshness"><span class="dot dot-stale"></span>${updatedAt ? `As of ${clockTime(updatedAt, true)}` : 'Not loaded'}</span>`;
  return html`<span class="freshness" aria-live="off" data-testid="freshness">
    <span class=${`dot ${fetching ? 'dot-busy' : ''}`}></span>${updatedAt ? (secs < 5 ? 'Up to date' : `Updated ${secs} s ago`) : 'Loading…'}
  </span>`;
}

/** A short-lived message ("ws01 approved."): shown in the floating live region, gone after `ms`. */
export function useFlash(ms = 6000): [string, (message: string) => void] {
  const [message, setMessage] = useState('');
  useEffect(() => {
    if (!message) return;
    const t = setTimeout(() => setMessage(''), ms);
    return () => clearTimeout(t);
  }, [message]);
  return [message, setMessage];
}

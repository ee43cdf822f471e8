import './session-thumbnail.css';
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

/** Where a screenshot comes from: the owner's route, or the admin route for any session. */
export type ThumbnailScope = 'user' | 'admin';

const screenshotUrl = (scope: ThumbnailScope, sessionId: string) => `/v1${scope === 'user' ? '/user' : ''}/sessions/${encodeURIComponent(sessionId)}/screenshot`;

/**
 * A session's screenshot (160x100 at most, PNG from the director, which asks the agent at most once
 * per 30 s). The browser fetches it only when it comes near the viewport (loading="lazy"), with the
 * session cookie, from our own origin (the CSP's img-src 'self'). When there is none (host offline,
 * dcv failed) a quiet "No preview" box takes its place, the same size, so nothing moves.
 */
export function SessionThumbnail({ scope, sessionId, alt }: { scope: ThumbnailScope; sessionId: string; alt: string }) {
  const [failed, setFailed] = useState(false);
  if (failed) return html`<span class="thumbnail thumbnail-none" role="img" aria-label=${`${alt}: no preview`}>No preview</span>`;
  return html`<img class="thumbnail" src=${screenshotUrl(scope, sessionId)} alt=${alt} width="160" height="100" loading="lazy" decoding="async" onError=${() => setFailed(true)} />`;
}

import { Elysia } from 'elysia';
import { ApiError, notFound } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { errorAnswers } from '../http/models.ts';
import { loadWebAssets, type ServedFile, type WebAssets } from './assets.ts';
import { AssetParams, WebAsset, WebPage } from './models.ts';

/** No inline scripts or styles anywhere in the app; everything comes from this origin. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export const HTML_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
};

export const ASSET_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'public, max-age=31536000, immutable',
};

/** A file response: gzip when the client takes it, 304 when its ETag still matches. */
function respond(request: Request, file: ServedFile, headers: Record<string, string>): Response {
  const base = { ...headers, 'content-type': file.type, etag: file.etag, vary: 'accept-encoding' };
  if (request.headers.get('if-none-match') === file.etag) return new Response(null, { status: 304, headers: base });
  const gzip = /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '');
  return new Response(gzip ? file.gzip : file.body, { headers: gzip ? { ...base, 'content-encoding': 'gzip' } : base });
}

/** Route options of GET / and /index.html (embedded or from web_dir): the page, or 503 while it is not ready. */
export const WEB_PAGE_ROUTE = { response: { 200: WebPage, ...errorAnswers(503) }, detail: { summary: 'The web app (launcher and admin pages)' } };

const unavailable = () => new ApiError(503, 'WEB_APP_UNAVAILABLE', 'the web app is not available right now; the server log has the details', undefined, { 'retry-after': '5' });

export interface WebRoutesOptions {
  log?: Logger;
}

/**
 * The web app (launcher and admin pages), same origin as the API: GET / and /index.html (no-cache,
 * CSP and other security headers) and GET /assets/<name>-<hash>.js|.css (immutable). These routes are
 * public on purpose: they hold no data; every API call the app makes is guarded by its own route.
 * Loading starts at once, so a from-source director has built the app before its first visitor.
 */
export const webRoutes = (options: WebRoutesOptions = {}) => {
  const { log } = options;
  let ready: Promise<WebAssets | undefined> = load();
  function load(): Promise<WebAssets | undefined> {
    const started = performance.now();
    return loadWebAssets().then(
      (built) => {
        log?.info('web app ready', { source: built.source, assets: [...built.assets.keys()], ms: Math.round(performance.now() - started) });
        return built;
      },
      (error) => {
        log?.error('web app build failed', { error });
        return undefined;
      },
    );
  }
  // After a failed build, each request retries (a fix in web/ then shows up without a restart).
  const assets = async () => {
    const built = await ready;
    if (built) return built;
    ready = load();
    return ready;
  };
  const index = async ({ request }: { request: Request }) => {
    const built = await assets();
    if (!built) throw unavailable();
    return respond(request, built.html, HTML_HEADERS);
  };

  return new Elysia({ name: 'director.web' })
    .get('/', index, WEB_PAGE_ROUTE)
    .get('/index.html', index, WEB_PAGE_ROUTE)
    .get(
      '/assets/:file',
      async ({ request, params }) => {
        const built = await assets();
        if (!built) throw unavailable();
        const file = built.assets.get(`/assets/${params.file}`);
        if (!file) throw notFound('ASSET_NOT_FOUND', 'no such asset (the app may have been updated: reload the page)');
        return respond(request, file, ASSET_HEADERS);
      },
      { params: AssetParams, response: { 200: WebAsset, ...errorAnswers(404, 503) }, detail: { summary: 'Web app scripts and styles (immutable, content-hashed names)' } },
    );
};

import { describe, expect, test } from 'bun:test';
import { Elysia } from 'elysia';
import { errorHandler } from '../../shared/http/error-handler.ts';
import { silentLogger } from '../../shared/log.ts';
import { CONTENT_SECURITY_POLICY, webRoutes } from './routes.ts';

const app = new Elysia().use(errorHandler(silentLogger)).use(webRoutes({ log: silentLogger }));
const get = (path: string, headers: Record<string, string> = {}) => app.handle(new Request(`http://localhost${path}`, { headers }));

describe('web routes', () => {
  test('ok: / serves index.html with no-cache and the security headers', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await response.text();
    expect(html).toStartWith('<!doctype html>');
    expect(html).not.toContain('{{');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect((await get('/index.html')).status).toBe(200);
  });

  test('ok: hashed assets are immutable, gzipped on request and revalidate by ETag', async () => {
    const html = await (await get('/')).text();
    const urls = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(urls.some((u) => /\/assets\/main-[a-z0-9]+\.js$/.test(u))).toBe(true);
    expect(urls.some((u) => /\/assets\/main-[a-z0-9]+\.css$/.test(u))).toBe(true);
    for (const url of urls) {
      const response = await get(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('content-type')).toMatch(url.endsWith('.js') ? /javascript/ : /text\/css/);
      const plain = await response.text();
      const gz = await get(url, { 'accept-encoding': 'gzip, br' });
      expect(gz.headers.get('content-encoding')).toBe('gzip');
      expect(new TextDecoder().decode(Bun.gunzipSync(new Uint8Array(await gz.arrayBuffer())))).toBe(plain);
      expect((await get(url, { 'if-none-match': response.headers.get('etag')! })).status).toBe(304);
    }
  });

  test('rejects: an unknown asset is a 404 in the error envelope', async () => {
    const response = await get('/assets/main-nothere.js');
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe('ASSET_NOT_FOUND');
  });
});

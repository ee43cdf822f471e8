import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Elysia } from 'elysia';
import { ConfigError } from '../../shared/config-schema.ts';
import { errorHandler } from '../../shared/http/error-handler.ts';
import { silentLogger } from '../../shared/log.ts';
import { diskWebRoutes } from './disk-routes.ts';
import { CONTENT_SECURITY_POLICY } from './routes.ts';

const ROOT = join(import.meta.dir, '..', '..');
let webDir: string;
let app: Elysia;
const get = (path: string, headers: Record<string, string> = {}) => app.handle(new Request(`http://localhost${path}`, { headers }));

beforeAll(async () => {
  webDir = join(mkdtempSync(join(tmpdir(), 'dcvix-web-dir-')), 'web');
  // The same command an operator runs to fill web_dir.
  const build = Bun.spawnSync([process.execPath, join(ROOT, 'scripts', 'build-web.ts'), '--out', webDir], { stdout: 'pipe', stderr: 'pipe' });
  expect(build.exitCode).toBe(0);
  writeFileSync(join(webDir, '.secret'), 'not for the web');
  writeFileSync(join(webDir, 'assets', '.secret'), 'not for the web');
  app = new Elysia().use(errorHandler(silentLogger)).use(await diskWebRoutes(webDir)) as unknown as Elysia;
});
afterAll(() => rmSync(join(webDir, '..'), { recursive: true, force: true }));

describe('web app from web_dir (@elysiajs/static)', () => {
  test('ok: / and /index.html serve the built index.html with the security headers, read on every request', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toBe(await Bun.file(join(webDir, 'index.html')).text());
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>rebuilt</title>');
    expect(await (await get('/index.html')).text()).toContain('rebuilt');
  });

  test('ok: every asset the build wrote is served from disk as written, immutable', async () => {
    const manifest = await Bun.file(join(webDir, 'manifest.json')).json() as { files: { path: string }[] };
    const assets = manifest.files.map((file) => file.path).filter((path) => path.startsWith('/assets/'));
    expect(assets.some((path) => /\/assets\/main-[a-z0-9]+\.js$/.test(path))).toBe(true);
    for (const path of assets) {
      const response = await get(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await response.text()).toBe(await Bun.file(join(webDir, path)).text());
    }
  });

  test('rejects: unknown assets, dot files and paths that climb out are 404 ASSET_NOT_FOUND', async () => {
    for (const path of ['/assets/main-nothere.js', '/assets/..%2findex.html', '/assets/..%2f..%2fpackage.json', '/assets/%2e%2e/manifest.json', '/assets/../.secret', '/assets/.secret']) {
      const response = await get(path);
      expect([path, response.status]).toEqual([path, 404]);
      expect(await response.text()).not.toContain('not for the web');
    }
    expect((await (await get('/assets/main-nothere.js')).json()).error.code).toBe('ASSET_NOT_FOUND');
  });

  test('rejects: a web_dir without a built app stops start-up with a ConfigError', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'dcvix-web-empty-'));
    await expect(diskWebRoutes(empty)).rejects.toThrow(ConfigError);
    await expect(diskWebRoutes(empty)).rejects.toThrow(/key "web_dir" names .* which holds no built web app/);
    rmSync(empty, { recursive: true, force: true });
  });
});

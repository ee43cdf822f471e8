import { staticPlugin } from '@elysiajs/static';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Elysia } from 'elysia';
import { ConfigError } from '../../shared/config-schema.ts';
import { ApiError, notFound } from '../../shared/errors.ts';
import { ASSET_HEADERS, HTML_HEADERS, WEB_PAGE_ROUTE } from './routes.ts';

/** Hashed bundle names only (main-3f2a9c1d.js): no path separators, no dot files, nothing to climb out with. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

const missingAsset = () => notFound('ASSET_NOT_FOUND', 'no such asset (the app may have been updated: reload the page)');

/** Why `dir` cannot serve the web app (no index.html or no assets/), or undefined when it can. */
export function builtWebAppProblem(dir: string): string | undefined {
  const assetsDir = join(dir, 'assets');
  if (existsSync(join(dir, 'index.html')) && existsSync(assetsDir) && statSync(assetsDir).isDirectory()) return undefined;
  return `names ${dir}, which holds no built web app (index.html and assets/); build one with: bun run scripts/build-web.ts --out ${dir}`;
}

/**
 * The web app served from a directory on disk (config `web_dir`) instead of the copy embedded in the
 * program: the output of `bun run scripts/build-web.ts --out DIR` (index.html plus assets/). Useful to
 * try a rebuilt web app without rebuilding or restarting the director (index.html is read on every
 * request; the assets are content-hashed, so a rebuild adds new names), or to mount one into the Docker
 * image. Assets go through @elysiajs/static; index.html keeps the same security headers as the
 * embedded copy. Throws ConfigError when the directory holds no built app, so start-up stops.
 */
export async function diskWebRoutes(webDir: string) {
  const root = resolve(webDir);
  const indexFile = join(root, 'index.html');
  const assetsDir = join(root, 'assets');
  const problem = builtWebAppProblem(root);
  if (problem) throw new ConfigError(`key "web_dir" ${problem}`);
  const assets = await staticPlugin({
    assets: assetsDir,
    prefix: '/assets',
    // Files are looked up per request, so a rebuild into the same directory is served at once.
    alwaysStatic: false,
    indexHTML: false,
    headers: { 'Cache-Control': ASSET_HEADERS['cache-control'], 'x-content-type-options': ASSET_HEADERS['x-content-type-options'] },
    silent: true,
  });
  const index = async () => {
    const html = Bun.file(indexFile);
    if (!(await html.exists())) {
      throw new ApiError(503, 'WEB_APP_UNAVAILABLE', 'the web app is not available right now; the server log has the details', undefined, { 'retry-after': '5' });
    }
    return new Response(html, { headers: { ...HTML_HEADERS, 'content-type': 'text/html;charset=utf-8' } });
  };
  return new Elysia({ name: 'director.web-dir' })
    .get('/', index, WEB_PAGE_ROUTE)
    .get('/index.html', index, WEB_PAGE_ROUTE)
    .guard(
      {
        beforeHandle({ request }) {
          const name = decodeURIComponent(new URL(request.url).pathname.slice('/assets/'.length));
          if (!ASSET_NAME.test(name) || !existsSync(join(assetsDir, name))) throw missingAsset();
        },
      },
      (guarded) => guarded.use(assets),
    );
}

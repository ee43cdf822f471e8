import { join } from 'node:path';

/** One bundled file of the web app, served under /assets/. */
export interface WebAsset {
  /** URL path, e.g. "/assets/main-3f2a9c1d.js" (content-hashed, so cacheable forever). */
  path: string;
  /** Content-Type. */
  type: string;
  body: string;
}

/** index.html (with the hashed asset URLs filled in) plus the assets it names. */
export interface WebBundle {
  html: string;
  assets: WebAsset[];
}

const repoRoot = join(import.meta.dir, '..', '..');

/**
 * Bundles web/main.ts (Preact + htm, CSS imported from it) with Bun.build in memory: minified, content-
 * hashed names. web/index.html carries `{{js}}` and `{{css}}` placeholders for the hashed URLs.
 */
export async function buildWeb(root: string = repoRoot): Promise<WebBundle> {
  const result = await Bun.build({
    entrypoints: [join(root, 'web', 'main.ts')],
    target: 'browser',
    format: 'esm',
    minify: true,
    // The QR encoder (TOTP enrolment only) and the charts (admin overview only, with uPlot's style
    // sheet) become chunks of their own, loaded when those pages open.
    splitting: true,
    sourcemap: 'none',
    naming: { entry: '[name]-[hash].[ext]', chunk: '[name]-[hash].[ext]', asset: '[name]-[hash].[ext]' },
    // query-core keeps development warnings behind this check; the define drops them.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  if (!result.success) {
    throw new Error(`web build failed: ${result.logs.map((l) => l.message).join('; ')}`);
  }
  const assets: WebAsset[] = [];
  let js: WebAsset | undefined;
  for (const out of result.outputs) {
    const asset = { path: `/assets/${out.path.replace(/^\.\//, '')}`, type: out.type, body: await out.text() };
    assets.push(asset);
    if (out.kind === 'entry-point') js = asset;
  }
  // The entry's style sheet (main-<hash>.css); others belong to lazily loaded chunks, which link their own.
  const css = assets.find((a) => /^\/assets\/main-[^/]+\.css$/.test(a.path));
  if (!js || !css) throw new Error('web build produced no .js or no .css output');
  const template = await Bun.file(join(root, 'web', 'index.html')).text();
  const html = template.replaceAll('{{js}}', js.path).replaceAll('{{css}}', css.path);
  return { html, assets };
}

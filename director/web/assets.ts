import { buildWeb, type WebBundle } from './build.ts';
import { embeddedWebBundle } from './embed-macro.ts' with { type: 'macro' };

/** Inlined by the macro when this file is transpiled or bundled; null if that build failed. */
const EMBEDDED: WebBundle | null = embeddedWebBundle();

/** One servable file with its precomputed gzip form and ETag. */
export interface ServedFile {
  type: string;
  body: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer>;
  etag: string;
}

export interface WebAssets {
  /** Where the files came from: inlined by the macro, or built from web/ by Bun.build at run time. */
  source: 'embedded' | 'built';
  html: ServedFile;
  /** Keyed by URL path ("/assets/main-xxxx.js"). */
  assets: Map<string, ServedFile>;
}

const encoder = new TextEncoder();

function served(type: string, text: string): ServedFile {
  const body = encoder.encode(text);
  const etag = `"${new Bun.CryptoHasher('sha256').update(body).digest('hex').slice(0, 32)}"`;
  return { type, body, gzip: Bun.gzipSync(body, { level: 9 }) as Uint8Array<ArrayBuffer>, etag };
}

/** Turns a bundle into servable files (encoded, gzipped, tagged). */
export function prepareAssets(bundle: WebBundle, source: WebAssets['source']): WebAssets {
  const assets = new Map<string, ServedFile>();
  for (const asset of bundle.assets) assets.set(asset.path, served(asset.type, asset.body));
  return { source, html: served('text/html;charset=utf-8', bundle.html), assets };
}

let cached: Promise<WebAssets> | undefined;

/** True inside a `bun build --compile` binary, where web/ sources do not exist. */
const compiled = import.meta.dir.startsWith('/$bunfs') || import.meta.dir.includes('~BUN');

async function buildNow(): Promise<WebAssets> {
  if (compiled) throw new Error('this binary was compiled without the web app (its build failed at compile time)');
  return prepareAssets(await buildWeb(), 'built');
}

/**
 * The web app's files, loaded once and kept in memory: the copy the macro inlined (embedded in a
 * compiled binary, freshly built for a from-source run), else built now from web/ with Bun.build.
 * A failed build is not cached, so the next call retries.
 */
export function loadWebAssets(): Promise<WebAssets> {
  if (!cached) {
    cached = EMBEDDED ? Promise.resolve(prepareAssets(EMBEDDED, 'embedded')) : buildNow();
    // The failure reaches every caller through `cached`; this only lets the next call try again.
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}

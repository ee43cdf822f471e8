import { buildWeb, type WebBundle } from './build.ts';
import { embeddedWebBundle } from './embed-macro.ts' with { type: 'macro' };

/** Inlined by the macro in compiled binaries; null when running from source. */
const EMBEDDED: WebBundle | null = embeddedWebBundle();

/** One servable file with its precomputed gzip form and ETag. */
export interface ServedFile {
  type: string;
  body: Uint8Array;
  gzip: Uint8Array;
  etag: string;
}

export interface WebAssets {
  /** Where the files came from: embedded in the binary, or built from web/ at start-up. */
  source: 'embedded' | 'built';
  html: ServedFile;
  /** Keyed by URL path ("/assets/main-xxxx.js"). */
  assets: Map<string, ServedFile>;
}

const encoder = new TextEncoder();

function served(type: string, text: string): ServedFile {
  const body = encoder.encode(text);
  const etag = `"${new Bun.CryptoHasher('sha256').update(body).digest('hex').slice(0, 32)}"`;
  return { type, body, gzip: Bun.gzipSync(body, { level: 9 }), etag };
}

/** Turns a bundle into servable files (encoded, gzipped, tagged). */
export function prepareAssets(bundle: WebBundle, source: WebAssets['source']): WebAssets {
  const assets = new Map<string, ServedFile>();
  for (const a of bundle.assets) assets.set(a.path, served(a.type, a.body));
  return { source, html: served('text/html;charset=utf-8', bundle.html), assets };
}

let cached: Promise<WebAssets> | undefined;

/**
 * The web app's files, loaded once and kept in memory: the embedded copy when compiled, else built
 * from web/ with Bun.build (a few hundred ms). A failed build is not cached, so the next call retries.
 */
export function loadWebAssets(): Promise<WebAssets> {
  if (!cached) {
    cached = EMBEDDED ? Promise.resolve(prepareAssets(EMBEDDED, 'embedded')) : buildWeb().then((b) => prepareAssets(b, 'built'));
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}

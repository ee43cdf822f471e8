#!/usr/bin/env bun
/**
 * Bundles the web app (web/main.ts + CSS) into dist/web/: index.html, assets/<name>-<hash>.js|.css and
 * manifest.json, and prints each file's size raw and gzipped. `--json` prints the bundle as JSON on
 * stdout instead of writing files (the director's embed macro uses that); `--out DIR` picks another dir.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildWeb } from '../director/web/build.ts';

const args = process.argv.slice(2);
const bundle = await buildWeb();
if (args.includes('--json')) {
  process.stdout.write(JSON.stringify(bundle));
  process.exit(0);
}

const outIndex = args.indexOf('--out');
const outDir = outIndex >= 0 && args[outIndex + 1] ? args[outIndex + 1]! : join(import.meta.dir, '..', 'dist', 'web');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(join(outDir, 'assets'), { recursive: true });

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`.padStart(10);
const files = [{ path: '/index.html', type: 'text/html;charset=utf-8', body: bundle.html }, ...bundle.assets].map((f) => {
  const bytes = new TextEncoder().encode(f.body);
  const file = join(outDir, f.path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return { path: f.path, type: f.type, bytes: bytes.length, gzipBytes: Bun.gzipSync(bytes, { level: 9 }).length };
});
const entry = (ext: string) => bundle.assets.find((a) => a.path.endsWith(ext))?.path;
writeFileSync(join(outDir, 'manifest.json'), JSON.stringify({ builtAt: new Date().toISOString(), js: entry('.js'), css: entry('.css'), files }, null, 2) + '\n');

console.log(`web app -> ${outDir}`);
for (const f of files) console.log(`  ${f.path.padEnd(36)} ${kb(f.bytes)} ${kb(f.gzipBytes)} gzip`);
const total = files.reduce((s, f) => ({ bytes: s.bytes + f.bytes, gzip: s.gzip + f.gzipBytes }), { bytes: 0, gzip: 0 });
console.log(`  ${'total'.padEnd(36)} ${kb(total.bytes)} ${kb(total.gzip)} gzip`);

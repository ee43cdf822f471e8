#!/usr/bin/env bun
/**
 * Bundles the web app (web/main.ts + CSS) into dist/web/: index.html, assets/<name>-<hash>.js|.css and
 * manifest.json, and prints each file's size raw and gzipped. `--json` prints the bundle as JSON on
 * stdout instead of writing files (the director's embed macro uses that); `--out DIR` picks another dir.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildWeb, type WebBundle } from '../director/web/build.ts';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(`Usage: bun scripts/build-web.ts [--json] [--out DIR]
  Bundles the web app into dist/web (or DIR); --json prints the bundle as JSON instead.`);

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`.padStart(10);

function writeBundle(bundle: WebBundle, outDir: string): void {
  rmSync(outDir, { recursive: true, force: true });
  const files = [{ path: '/index.html', type: 'text/html;charset=utf-8', body: bundle.html }, ...bundle.assets].map((source) => {
    const bytes = new TextEncoder().encode(source.body);
    const file = join(outDir, source.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
    return { path: source.path, type: source.type, bytes: bytes.length, gzipBytes: Bun.gzipSync(bytes, { level: 9 }).length };
  });
  const manifest = { builtAt: new Date().toISOString(), html: '/index.html', files };
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

  console.log(`web app -> ${outDir}`);
  for (const file of files) console.log(`  ${file.path.padEnd(32)} ${kb(file.bytes)} ${kb(file.gzipBytes)} gzip`);
  const total = files.reduce((sum, file) => ({ bytes: sum.bytes + file.bytes, gzip: sum.gzip + file.gzipBytes }), { bytes: 0, gzip: 0 });
  console.log(`  ${'total'.padEnd(32)} ${kb(total.bytes)} ${kb(total.gzip)} gzip`);
}

const args = process.argv.slice(2);
const bundle = await buildWeb();
if (args.includes('--json')) {
  // Bun.write waits until every byte is out; process.stdout.write + exit can cut a piped copy short.
  await Bun.write(Bun.stdout, JSON.stringify(bundle));
} else {
  const outFlag = args.indexOf('--out');
  writeBundle(bundle, outFlag >= 0 && args[outFlag + 1] ? args[outFlag + 1]! : join(import.meta.dir, '..', 'dist', 'web'));
}

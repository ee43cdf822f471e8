#!/usr/bin/env bun
/**
 * Lists exports no other file names: `bun run scripts/unused-exports.ts`. For each export of each
 * source file (director/, agent/, shared/, web/, scripts/, bench/, tests/), it counts whole-word uses of
 * the name in every other source file. "dead" = not used anywhere else and not inside its own file
 * either (delete it); "local" = used only inside its own file (the `export` is not needed). A name can
 * also be reached through a namespace import or a string (a macro, a dynamic import), so check each hit
 * by hand before deleting. Exit status 1 when something is dead.
 */
import { Glob } from 'bun';
import { basename, join, relative } from 'node:path';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(`Usage: bun run scripts/unused-exports.ts
  Lists exports no other file names: "dead" (used nowhere) and "local" (used only in their own file).
  Exit status 1 when something is dead.`);

const root = join(import.meta.dir, '..');
const FOLDERS = ['director', 'agent', 'shared', 'web', 'scripts', 'bench', 'tests'];

/** Source text with comments removed, so a name in a comment does not count as a use. */
const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

/** Exported names: declarations and `export { a, b as c }` lists (re-exports included). */
function exportedNames(text: string): string[] {
  const names = new Set<string>();
  const declaration = /^export\s+(?:declare\s+)?(?:default\s+)?(?:async\s+)?(?:abstract\s+)?(?:function\*?|const enum|const|let|var|class|type|interface|enum)\s+([A-Za-z_$][\w$]*)/gm;
  for (const match of text.matchAll(declaration)) names.add(match[1]!);
  for (const match of text.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}/gm)) {
    for (const item of match[1]!.split(',')) {
      const name = item.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()!.trim();
      if (name && name !== 'default') names.add(name);
    }
  }
  return [...names];
}

/** Each source file's text without comments, and its exported names (read off the full text). */
const files = new Map<string, string>();
const exportsOf = new Map<string, string[]>();
for (const folder of FOLDERS) {
  for await (const path of new Glob(`${folder}/**/*.{ts,tsx}`).scan({ cwd: root })) {
    if (path.endsWith('.d.ts')) continue;
    const text = await Bun.file(join(root, path)).text();
    files.set(path, withoutComments(text));
    exportsOf.set(path, exportedNames(text));
  }
}

const countWord = (text: string, name: string) => text.match(new RegExp(`(?<![\\w$])(?<![^.]\\.)${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g'))?.length ?? 0;

const findings: string[] = [];
for (const [path, text] of files) {
  // Fixtures transcribe another program's wire whole; an entry no test reads yet is still a record of it.
  if (/\.test\.ts$/.test(path) || path.startsWith('tests/fixtures/')) continue;
  for (const name of exportsOf.get(path)!) {
    let elsewhere = 0;
    const stem = basename(path).replace(/\.tsx?$/, '');
    for (const [other, otherText] of files) {
      if (other === path) continue;
      elsewhere += countWord(otherText, name);
      // A module loaded lazily or as a namespace is used through it: `(await import('./qr.ts')).QrCode`,
      // `import * as wire from './wire.ts'` then `wire.registerAnswer`.
      if (new RegExp(`(?:import\\(|import \\* as \\w+ from )['"][^'"]*/${stem}\\.tsx?['"]`).test(otherText)) {
        elsewhere += otherText.match(new RegExp(`\\.${name}(?![\\w$])`, 'g'))?.length ?? 0;
      }
    }
    if (elsewhere > 0) continue;
    // The declaration itself is one use; a re-export line names it once more.
    findings.push(`${countWord(text, name) > 1 ? 'local' : 'dead '}  ${relative(root, join(root, path))}  ${name}`);
  }
}
console.log(findings.sort().join('\n') || 'no unused exports');
process.exit(findings.some((finding) => finding.startsWith('dead')) ? 1 : 0);

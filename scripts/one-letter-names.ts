#!/usr/bin/env bun
/**
 * Lists one-letter names outside tiny lambdas: `bun run scripts/one-letter-names.ts [folder...]`.
 * Counts `const/let/var x`, one-letter names in array or object destructuring, parameters of
 * functions and methods, and parameters of arrow functions with a block body. A one-line arrow
 * (`(a, b) => a - b`) is a tiny lambda and left alone. Prints `file (count): line:names ...`; exit
 * status 1 when anything is found. A line scanner, not a parser: check each hit by eye.
 */
import { Glob } from 'bun';
import { join } from 'node:path';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(`Usage: bun run scripts/one-letter-names.ts [folder...]
  Lists one-letter names outside tiny lambdas (default folders: director agent shared web scripts bench tests).
  Exit status 1 when anything is found.`);

const root = join(import.meta.dir, '..');
const folders = process.argv.slice(2).length ? process.argv.slice(2) : ['director', 'agent', 'shared', 'web', 'scripts', 'bench', 'tests'];
const ONE_LETTER = /^[A-Za-z]$/;

/** One-letter names a line declares. */
function oneLetterNames(line: string): string[] {
  const names = new Set<string>();
  const add = (name: string | undefined) => {
    const trimmed = name?.trim().replace(/^(?:private|readonly|public|protected)\s+/g, '').split(/[:=?]/)[0]!.trim();
    if (trimmed && ONE_LETTER.test(trimmed)) names.add(trimmed);
  };
  for (const match of line.matchAll(/\b(?:const|let|var)\s+([A-Za-z_])\b(?![\w$])/g)) add(match[1]);
  for (const match of line.matchAll(/\b(?:const|let)\s+\[([^\]]*)\]/g)) match[1]!.split(',').forEach(add);
  for (const match of line.matchAll(/\b(?:const|let)\s+\{([^}]*)\}/g)) for (const part of match[1]!.split(',')) add(part.split(':').pop());
  const functionParams = /(?:function\s*\w*|^\s+(?:async\s+)?(?:(?:private|static|override)\s+)*\w+)\s*(?:<[^>]*>)?\(([^)]*)\)\s*(?::[^{=]*)?\{/g;
  for (const match of line.matchAll(functionParams)) match[1]!.split(',').forEach(add);
  for (const match of line.matchAll(/\(([^()]*)\)\s*(?::\s*[^=]+)?=>\s*\{\s*$/g)) match[1]!.split(',').forEach(add);
  for (const match of line.matchAll(/(?:^|[\s(,])([A-Za-z])\s*=>\s*\{\s*$/g)) add(match[1]);
  return [...names];
}

const report: string[] = [];
for (const folder of folders) {
  for await (const path of new Glob(`${folder}/**/*.ts`).scan({ cwd: root })) {
    const hits: string[] = [];
    (await Bun.file(join(root, path)).text()).split('\n').forEach((line, index) => {
      if (/^\s*(?:\*|\/\/|\/\*)/.test(line)) return;
      const names = oneLetterNames(line);
      if (names.length) hits.push(`${index + 1}:${names.join(',')}`);
    });
    if (hits.length) report.push(`${path} (${hits.length}): ${hits.join(' ')}`);
  }
}
console.log(report.sort().join('\n') || 'no one-letter names outside tiny lambdas');
process.exit(report.length ? 1 : 0);

#!/usr/bin/env bun
/**
 * Checks which way the director's folders import each other: `bun run scripts/folder-graph.ts [DIR]`
 * (DIR defaults to director/). An edge `a -> b` means a file in folder a imports a value from folder b
 * (`import type` and imports whose every binding is `type X` do not count: Bun's transpiler drops them,
 * as it does at run time; dynamic imports count). Tests, `*.contract.*` files and the files directly in
 * DIR (the composition root: main.ts, app.ts, open-stores.ts...) are left out. Two rules:
 * - no cycles: folders that reach each other (a strongly connected component) are printed with the
 *   edges between them;
 * - infrastructure folders (store, cluster, http, net, config) import no capability folder (every other
 *   folder is a capability): the composition root hands them what they need.
 * Exit status 1 when either rule is broken.
 */
import { Glob } from 'bun';
import { dirname, join, relative, resolve } from 'node:path';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(`Usage: bun run scripts/folder-graph.ts [DIR]
  Folder-level value-import graph of DIR (default director/): reports import cycles between folders and
  infrastructure folders (store, cluster, http, net, config) importing a capability folder.
  Exit status 1 when it finds either.`);

const INFRASTRUCTURE = new Set(['store', 'cluster', 'http', 'net', 'config']);

/** One folder-to-folder edge, with every file-to-file import that makes it (paths relative to DIR). */
interface FolderEdge {
  from: string;
  to: string;
  imports: string[];
}

const transpiler = new Bun.Transpiler({ loader: 'tsx' });

/** The folder-level value-import edges of `dir`, keyed `from -> to`. */
async function folderEdges(dir: string): Promise<Map<string, FolderEdge>> {
  const edges = new Map<string, FolderEdge>();
  const folderOf = (path: string) => {
    const inside = relative(dir, path);
    return inside.startsWith('..') || !inside.includes('/') ? undefined : inside.split('/')[0];
  };
  for await (const file of new Glob('**/*.{ts,tsx}').scan({ cwd: dir })) {
    const from = folderOf(join(dir, file));
    if (!from || /\.test\.tsx?$|\.contract\.|\.d\.ts$/.test(file)) continue;
    for (const { path } of transpiler.scanImports(await Bun.file(join(dir, file)).text())) {
      if (!path.startsWith('.')) continue;
      const target = resolve(dir, dirname(file), path);
      const to = folderOf(target);
      if (!to || to === from) continue;
      const key = `${from} -> ${to}`;
      const edge = edges.get(key) ?? { from, to, imports: [] };
      edge.imports.push(`${file} imports ${relative(dir, target)}`);
      edges.set(key, edge);
    }
  }
  return edges;
}

/** Strongly connected components with more than one folder: folders that all reach one another. */
function cycles(edges: Iterable<FolderEdge>): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const reach = (start: string) => {
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length) for (const folder of next.get(stack.pop()!) ?? []) if (!seen.has(folder)) seen.add(folder), stack.push(folder);
    return seen;
  };
  const reached = new Map([...next.keys()].map((folder) => [folder, reach(folder)]));
  const components = new Map<string, string[]>();
  for (const [folder, seen] of reached) {
    const component = [...seen].filter((other) => reached.get(other)?.has(folder)).sort();
    if (component.length > 1) components.set(component.join(), component);
  }
  return [...components.values()];
}

/** `from -> to  (first import, +N more)`: one readable line per edge. */
const describe = ({ from, to, imports }: FolderEdge) => `${from} -> ${to}  (${imports.sort()[0]}${imports.length > 1 ? `, +${imports.length - 1} more` : ''})`;

const dir = resolve(process.argv[2] ?? join(import.meta.dir, '..', 'director'));
const edges = [...(await folderEdges(dir)).values()].sort((a, b) => `${a.from} ${a.to}`.localeCompare(`${b.from} ${b.to}`));
const findings: string[] = [];
for (const component of cycles(edges)) {
  findings.push(`cycle among ${component.join(', ')}:`);
  for (const edge of edges) if (component.includes(edge.from) && component.includes(edge.to)) findings.push(`  ${describe(edge)}`);
}
for (const edge of edges) if (INFRASTRUCTURE.has(edge.from) && !INFRASTRUCTURE.has(edge.to)) findings.push(`upward: ${describe(edge)}`);
console.log(findings.join('\n') || `no folder cycles and no infrastructure folder imports a capability (${edges.length} edges)`);
process.exit(findings.length ? 1 : 0);

/**
 * Summarises a Bun/V8 .cpuprofile (from BENCH_PROFILE_DIR or `bun --cpu-prof`): the functions with the
 * most self time, then the most inclusive time (self + callees).
 * Usage: bun bench/profile-top.ts FILE.cpuprofile [N]
 */
import { exitOnHelp } from '../scripts/lib/help.ts';

exitOnHelp(`Usage: bun bench/profile-top.ts FILE.cpuprofile [N]
  Prints the N functions with the most self and inclusive time in a .cpuprofile.`);

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const file = process.argv[2];
if (!file) throw new Error('usage: bun bench/profile-top.ts FILE.cpuprofile [N]');
const top = Number(process.argv[3] ?? 25);
const profile = JSON.parse(await Bun.file(file).text()) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const key = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
const self = new Map<string, number>();
const incl = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, sampleIndex) => {
  const us = profile.timeDeltas[sampleIndex] ?? 0;
  total += us;
  const node = byId.get(id)!;
  if (node.callFrame.functionName === '(idle)' || node.callFrame.functionName === '(program)') return;
  self.set(key(node), (self.get(key(node)) ?? 0) + us);
  // Each function counted once per sample even when it recurses.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const name = key(byId.get(at)!);
    if (!seen.has(name)) incl.set(name, (incl.get(name) ?? 0) + us), seen.add(name);
  }
});
const show = (title: string, timeByFunction: Map<string, number>) => {
  console.log(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)`);
  for (const [name, us] of [...timeByFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${name}`);
  }
};
show('self time', self);
show('inclusive time', incl);

/**
 * Reads a .dcv connection file (docs/dcv-wire.md) strictly enough for tests: groups in order,
 * `key=value` lines, no quoting. Throws on a line that is neither.
 */
export function parseDcvFile(text: string): { order: string[] } & Record<string, Record<string, string> | undefined> {
  const order: string[] = [];
  const out: Record<string, Record<string, string>> = {};
  let group: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const g = line.match(/^\[(\w+)\]$/);
    if (g) {
      order.push(g[1]!);
      group = out[g[1]!] = {};
      continue;
    }
    const kv = line.match(/^([a-z]+)=(.*)$/);
    if (!kv || !group) throw new Error(`not a .dcv line: ${raw}`);
    group[kv[1]!] = kv[2]!;
  }
  return Object.assign(out, { order }) as { order: string[] } & Record<string, Record<string, string> | undefined>;
}

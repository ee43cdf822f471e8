/** One line of the results table. */
export interface Row {
  part: string;
  metric: string;
  value: number | string;
  unit?: string;
  /** The figure (PartResult.figures) a target or the regression guard reads for this row. */
  key?: string;
  /** Human-readable target, e.g. "< 5 ms" (set from bench/lib/targets.ts). */
  target?: string;
  /** Whether the target was met; undefined when there is no target. */
  pass?: boolean;
}

/** Figures by stable key (e.g. "updates.keepalive.director.perS"): what targets, guard and docs read. */
export type Figures = Record<string, number>;

export interface PartResult {
  rows: Row[];
  /** The numbers the rows show, by key, for targets, the regression guard and the generated docs. */
  figures: Figures;
  /** Everything measured, for the JSON file. */
  raw: unknown;
}

export const row = (part: string, metric: string, value: number | string, unit = '', key?: string): Row => ({
  part,
  metric,
  value,
  unit,
  ...(key ? { key } : {}),
});

/** Prints rows as an aligned text table (also valid Markdown). */
export function table(rows: Row[]): string {
  const cells = rows.map((r) => [r.part, r.metric, `${r.value}${r.unit ? ` ${r.unit}` : ''}`, r.target ?? '', r.pass === undefined ? '' : r.pass ? 'ok' : 'MISSED']);
  const head = ['part', 'metric', 'value', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

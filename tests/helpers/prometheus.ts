import { run } from './run.ts';

/** `promtool check metrics` on exposition text; returns promtool's complaints ("" when clean). */
export async function promtoolCheckMetrics(text: string): Promise<{ code: number; problems: string }> {
  const result = await run(['promtool', 'check', 'metrics'], { stdin: text, allowFail: true });
  return { code: result.code, problems: (result.stdout + result.stderr).trim() };
}

/** Names of the samples in exposition text (histograms give their _bucket, _sum and _count). */
export function sampleNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const name = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/)?.[1];
    if (name) names.add(name);
  }
  return names;
}

const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: what is left after dropping strings, label matchers,
 * ranges, grouping clauses, function names and keywords.
 */
export function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names: string[] = [];
  for (const match of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = bare.slice(match.index! + match[0].length).trimStart();
    if (after.startsWith('(') || PROMQL_WORDS.has(match[0].toLowerCase())) continue;
    names.push(match[0]);
  }
  return names;
}

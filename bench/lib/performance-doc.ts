import { baselineFrom, GUARDED, guardId, type GuardRun } from './guard.ts';
import type { Row } from './report.ts';

/** The part of docs/performance.md that scripts/performance-doc.ts writes; everything else is prose. */
export const MARKERS = { start: '<!-- generated:start -->', end: '<!-- generated:end -->' } as const;

/** A recorded run as bench/run.ts writes it (the fields the doc shows). */
export interface RecordedRun extends GuardRun {
  seconds: number;
  command: string;
  machine: GuardRun['machine'] & { nproc: number; cpuModel: string; memoryGb: number; bun: string; loadAverageAtStart: string; openFilesLimit?: string; dirtyFiles: number };
  rows: Row[];
}

const cell = (text: string) => text.replace(/\|/g, '\\|');
const value = (line: Row) => `${typeof line.value === 'number' ? line.value.toLocaleString('en-US') : line.value}${line.unit ? ` ${line.unit}` : ''}`;
const verdict = (line: Row) => (line.pass === undefined ? '' : line.pass ? 'ok' : '**MISSED**');
const number = (x: number | undefined) => (x === undefined ? '' : Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : String(Math.round(x * 1000) / 1000));

function rowsTable(rows: Row[], withPart: boolean): string[] {
  const head = withPart ? '| part | metric | value | target | |\n|---|---|---|---|---|' : '| metric | value | target | |\n|---|---|---|---|';
  return [head, ...rows.map((line) => `| ${withPart ? `${cell(line.part)} | ` : ''}${cell(line.metric)} | ${cell(value(line))} | ${cell(line.target ?? '')} | ${verdict(line)} |`)];
}

/** The generated section: the run, the targets, the guarded ratios with their anchors, every row, the plot. */
export function renderGenerated(run: RecordedRun, plotPath: string | undefined): string {
  const host = run.machine;
  const date = run.startedAt.slice(0, 10);
  const guarded = baselineFrom(run).figures;
  const parts = [...new Set(run.rows.map((line) => line.part))];
  const out = [
    MARKERS.start,
    '<!-- Written by `npm run bench:doc` from bench/recorded/run.json: edit the prose outside these markers only. -->',
    '',
    `Recorded run: ${date}, \`${run.command}\`, ${run.seconds} s (${run.config.quick ? 'quick' : 'full'} sizes). Machine: ${host.nproc} × ${host.cpuModel}, ${host.memoryGb} GB, Bun ${host.bun}, open files limit ${host.openFilesLimit ?? 'unknown'}; commit ${host.commit}${host.dirtyFiles ? ` with ${host.dirtyFiles} uncommitted files in director/agent/shared` : ''}; load average at the start ${host.loadAverageAtStart}. Every part reports the other load on the machine meanwhile (last row of each part).`,
    '',
    '### Targets',
    '',
    ...rowsTable(
      run.rows.filter((line) => line.target !== undefined),
      true,
    ),
    '',
    '### Guarded figures beside their anchors',
    '',
    'What `npm run bench -- --compare` checks against `bench/baseline.json`: each figure divided by its anchor measured in the same run (or as it is, where it has none).',
    '',
    '| figure | value | anchor | anchor value | ratio | gated |',
    '|---|---|---|---|---|---|',
    ...GUARDED.map((entry) => {
      const measured = guarded[guardId(entry)];
      return `| ${entry.key} (${entry.better} is better) | ${number(measured?.value)} | ${entry.anchor ?? '(none)'} | ${number(measured?.anchorValue)} | ${measured ? number(measured.ratio) : 'not measured'} | ${entry.gate === false ? 'no' : 'yes'} |`;
    }),
    '',
    ...(plotPath ? ['### Keep-alive updates against the number of agents', '', `![director updates/s and p99 against the number of agents](${plotPath})`, ''] : []),
    '### Every figure',
    '',
    ...parts.flatMap((part) => [
      `#### ${part}`,
      '',
      ...rowsTable(
        run.rows.filter((line) => line.part === part),
        false,
      ),
      '',
    ]),
    MARKERS.end,
  ];
  return out.join('\n');
}

/** The doc with its generated section replaced; throws when the markers are missing or out of order. */
export function spliceGenerated(doc: string, generated: string): string {
  const start = doc.indexOf(MARKERS.start);
  const end = doc.indexOf(MARKERS.end);
  if (start < 0 || end < start) throw new Error(`docs/performance.md needs ${MARKERS.start} ... ${MARKERS.end} around its generated section`);
  return doc.slice(0, start) + generated + doc.slice(end + MARKERS.end.length);
}

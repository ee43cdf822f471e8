import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MARKERS, renderGenerated, spliceGenerated, type RecordedRun } from './performance-doc.ts';

const root = join(import.meta.dir, '..', '..');
const recorded = JSON.parse(readFileSync(join(root, 'bench', 'recorded', 'run.json'), 'utf8')) as RecordedRun;
const doc = readFileSync(join(root, 'docs', 'performance.md'), 'utf8');

describe('docs/performance.md', () => {
  test('ok: its generated section is what bench/recorded/run.json gives (regenerate: npm run bench:doc)', () => {
    const plot = existsSync(join(root, 'bench', 'recorded', 'updates-sweep.svg')) ? '../bench/recorded/updates-sweep.svg' : undefined;
    const section = doc.slice(doc.indexOf(MARKERS.start), doc.indexOf(MARKERS.end) + MARKERS.end.length);
    expect(section).toBe(renderGenerated(recorded, plot));
  });

  test('ok: every row of the recorded run is in the doc', () => {
    for (const line of recorded.rows) expect(doc).toContain(line.metric.replace(/\|/g, '\\|'));
  });

  test('rejects: a hand edit of a figure, and a doc without markers', () => {
    const generated = renderGenerated(recorded, undefined);
    const edited = spliceGenerated(doc, generated).replace(MARKERS.end, `| hand-typed | 1 ms | | |\n${MARKERS.end}`);
    expect(spliceGenerated(edited, generated)).not.toBe(edited);
    expect(() => spliceGenerated('# Performance\n', generated)).toThrow('generated:start');
  });
});

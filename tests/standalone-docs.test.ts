import { expect, test } from 'bun:test';
import { join } from 'node:path';

const ROOT = join(import.meta.dir, '..');
const SELF = 'tests/standalone-docs.test.ts';

/**
 * Documents that live beside the repository, not in it: a comment or doc that cites one leaves the
 * reader with nothing to open. What a reader needs of DCV's wire formats is in docs/dcv-wire.md.
 * (A PRNG "seed" in the fuzz tests is not a citation, hence the narrow forms.)
 */
const OUTSIDE_REFERENCES: [string, RegExp][] = [
  ['a path outside the repository', /\.\.\/shared\/(?:seeds|[A-Z][A-Z-]+\.md)|\/work\/shared/],
  ['a specification page by file name', /\b(?:agent|director|communication|overview)\.txt\b/],
  ['a notes file beside the repository', /\b(?:PROTOCOLS|DESIGN|BUN-NOTES|GO-DCVIX-WIRE|TEST-RECIPES)(?:\.md)?\b/],
  ['"the seeds" for the specification', /\b[Tt]he seeds\b|\bseeds\/|\([Ss]eed(?:: ~?\d|: hourly|\)| behaviou?r| failure)|\b[Ss]eed's\b|\b[Ss]eed (?:failure|example|curl|names|fields|profile)/],
];

test('ok: no comment, doc or test names a document outside the repository', async () => {
  const listed = Bun.spawnSync(['git', 'ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, stdout: 'pipe' });
  const files = listed.stdout.toString().split('\n').filter((file) => /\.(?:ts|md|conf|toml|json|html|css|sh|service|yml|yaml)$|Dockerfile$/.test(file) && file !== SELF && !file.includes('fixtures/paseto'));
  expect(files.length).toBeGreaterThan(100);
  const hits: string[] = [];
  for (const file of files) {
    const source = Bun.file(join(ROOT, file));
    if (!(await source.exists())) continue;
    const lines = (await source.text()).split('\n');
    lines.forEach((line, index) => {
      for (const [what, pattern] of OUTSIDE_REFERENCES) if (pattern.test(line)) hits.push(`${file}:${index + 1}: ${what}: ${line.trim().slice(0, 120)}`);
    });
  }
  expect(hits).toEqual([]);
});

/**
 * Preloaded into every `bun test` run (bunfig.toml): after the last test file, lists the suites and
 * tests that were skipped because a system package is missing (tests/helpers/system-packages.ts), with
 * the command that installs what they need. Prints nothing when nothing was skipped.
 */
import { afterAll } from 'bun:test';
import { INSTALL_COMMAND, skipped, type Skipped } from './system-packages.ts';

/** The summary text for these skips ('' for none). */
function skipSummary(list: readonly Skipped[]): string {
  if (list.length === 0) return '';
  const packages = [...new Set(list.flatMap((skip) => skip.packages))].sort();
  return [
    '',
    `Skipped for missing system packages: ${list.length} suite(s) or test(s)`,
    ...list.map((skip) => `  - ${skip.name}: needs ${skip.packages.join(', ')} (missing: ${skip.missing.join(', ')})`),
    `Install what they need (${packages.join(' ')}) and everything else the tests use, then run npm test again:`,
    `  ${INSTALL_COMMAND}`,
    'or set up and run every test in one go: scripts/test-everything.sh',
    '',
  ].join('\n');
}

afterAll(() => {
  const text = skipSummary(skipped);
  if (text) console.error(text);
});

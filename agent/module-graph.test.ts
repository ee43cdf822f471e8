import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';

const ROOT = join(import.meta.dir, '..');

/**
 * Every module a program's entry point pulls in, as paths relative to the repository (packages as
 * `node_modules/<name>/...`), taken from the bundler's metafile: exactly what `bun build --compile` ships.
 */
async function moduleGraph(entry: string): Promise<string[]> {
  const build = await Bun.build({ entrypoints: [join(ROOT, entry)], target: 'bun', metafile: true });
  expect(build.success).toBe(true);
  return Object.keys(build.metafile!.inputs).map((input) => input.replace(/^.*?(?=node_modules\/|agent\/|director\/|shared\/)/, ''));
}

const packageOf = (input: string) => /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];

// pkijs and asn1js alone cost the agent about 16 MB of resident memory; the agent builds its Ed25519 CSR
// with its own DER writer (agent/identity/ed25519-csr.ts) and reads certificates natively instead.
describe('the agent\'s module graph', () => {
  test('ok: agent/main.ts pulls in neither pkijs nor asn1js, nor any director module', async () => {
    const inputs = await moduleGraph('agent/main.ts');
    const packages = new Set(inputs.map(packageOf).filter(Boolean));
    expect(inputs).toContain('agent/identity/ed25519-csr.ts');
    expect([...packages].filter((name) => name === 'pkijs' || name === 'asn1js')).toEqual([]);
    expect(inputs.filter((input) => input.startsWith('director/'))).toEqual([]);
  });

  test('ok: the check can fail: the director\'s graph does hold pkijs through director/ca', async () => {
    const inputs = await moduleGraph('director/main.ts');
    expect(inputs.some((input) => packageOf(input) === 'pkijs')).toBe(true);
    expect(inputs).toContain('director/ca/engine.ts');
  });
});

import { join } from 'node:path';
import type { WebBundle } from './build.ts';

/**
 * A Bun macro (imported `with { type: 'macro' }` by assets.ts): its return value is inlined into the
 * bundle at build time. When Bun is bundling (`bun build --compile`, Bun.build), Bun.main is empty: the
 * web app is then built by scripts/build-web.ts in a child process (Bun.build cannot run inside a macro)
 * and embedded, so the compiled director needs no files beside it. When the director runs from source,
 * the macro returns null and assets.ts builds the app in memory at start-up instead.
 */
export function embeddedWebBundle(): WebBundle | null {
  if (Bun.main !== '') return null;
  const script = join(import.meta.dir, '..', '..', 'scripts', 'build-web.ts');
  const run = Bun.spawnSync([process.execPath, script, '--json'], { stdout: 'pipe', stderr: 'pipe' });
  if (run.exitCode !== 0) throw new Error(`embedding the web app failed: ${run.stderr.toString()}`);
  return JSON.parse(run.stdout.toString()) as WebBundle;
}

import { join } from 'node:path';
import type { WebBundle } from './build.ts';

/**
 * A Bun macro (assets.ts imports it `with { type: 'macro' }`): it runs when assets.ts is transpiled
 * and its return value is inlined there. So `bun build --compile` embeds the web app in the binary with
 * no extra step, and a from-source run gets a fresh build (~50 ms) at start-up. Bun.build cannot run
 * inside a macro (it would wait on itself), hence the child process. A failed build returns null: the
 * director still starts, and assets.ts retries in memory and logs why.
 */
export function embeddedWebBundle(): WebBundle | null {
  const script = join(import.meta.dir, '..', '..', 'scripts', 'build-web.ts');
  const run = Bun.spawnSync([process.execPath, script, '--json'], { stdout: 'pipe', stderr: 'pipe' });
  if (run.exitCode !== 0) {
    process.stderr.write(`dcvix: embedding the web app failed; will retry at start-up:\n${run.stderr.toString()}\n`);
    return null;
  }
  return JSON.parse(run.stdout.toString()) as WebBundle;
}

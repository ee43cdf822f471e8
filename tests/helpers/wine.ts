/**
 * Windows programs under wine for the Windows agent's tests: a private wine prefix (first start ~11 s),
 * the bcryptprimitives.dll shim every Bun executable needs under wine 8.0 (it exits 53 without it:
 * Bun imports ProcessPrng, which wine 8.0 lacks; tests/fixtures/windows/bcryptprimitives-shim.c),
 * Windows executables compiled from our TypeScript with Bun's Windows runtime from npm, and Linux paths
 * as the Windows programs see them (drive Z: is the Linux root).
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { windowsBunExe } from '../../scripts/lib/windows-runtime.ts';
import { run } from './run.ts';
import { repoRoot } from './temp.ts';

const MINGW_GCC = 'x86_64-w64-mingw32-gcc';

/** What of wine and the mingw-w64 compiler is missing here. */
export function wineMissingTools(): string[] {
  return ['wine', 'wineserver', MINGW_GCC].filter((tool) => !Bun.which(tool));
}

/** A Linux path as a Windows program under wine names it: Z: plus the path with backslashes. */
export const winePath = (linuxPath: string) => `Z:${linuxPath.replaceAll('/', '\\')}`;

/** A wine prefix of our own, with the shim in system32. */
export interface WinePrefix {
  dir: string;
  /** The environment for `wine` with this prefix (quiet, no display), plus `extra`. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** `wine argv...` to its end. */
  run(argv: string[], extra?: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Ends this prefix's wineserver and every Windows process still running in it. */
  stop(): Promise<void>;
}

/** Creates (wineboot) a prefix in `dir` and installs the ProcessPrng shim; `dir` is kept for reuse. */
export async function winePrefix(dir: string): Promise<WinePrefix> {
  const env = (extra: Record<string, string> = {}) => ({ ...(process.env as Record<string, string>), WINEPREFIX: dir, WINEDEBUG: '-all', DISPLAY: '', WINEDLLOVERRIDES: 'mscoree,mshtml=', ...extra });
  const system32 = join(dir, 'drive_c', 'windows', 'system32');
  if (!existsSync(join(system32, 'bcryptprimitives.dll'))) {
    mkdirSync(dir, { recursive: true });
    const boot = await run(['wineboot', '--init'], { env: env(), allowFail: true });
    if (!existsSync(system32)) throw new Error(`wineboot failed (${boot.code}): ${boot.stderr.slice(-500)}`);
    const dll = join(dir, 'bcryptprimitives.dll');
    await run([MINGW_GCC, '-O2', '-shared', '-o', dll, join(repoRoot, 'tests/fixtures/windows/bcryptprimitives-shim.c'), '-lbcrypt']);
    copyFileSync(dll, join(system32, 'bcryptprimitives.dll'));
  }
  return {
    dir,
    env,
    run: (argv, extra) => run(['wine', ...argv], { env: env(extra), allowFail: true }),
    async stop() {
      await run(['wineserver', '-k'], { env: env(), allowFail: true });
    },
  };
}

/** Compiles `entry` (repository-relative) to a Windows executable `outfile` with Bun's Windows runtime. */
export async function buildWindowsExe(entry: string, outfile: string): Promise<string> {
  await run([process.execPath, 'build', '--compile', '--target=bun-windows-x64', `--compile-executable-path=${windowsBunExe(repoRoot)}`, join(repoRoot, entry), '--outfile', outfile]);
  return outfile;
}

/**
 * Bun's Windows x64 runtime (bun.exe) for cross-compiling: the npm package @oven/bun-windows-x64 of the
 * running Bun's version, fetched once with `npm pack` (it is declared `os: win32`, so npm will not install
 * it as a dependency on Linux) and unpacked into a cache directory, so builds and CI need no other download.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Default cache: `.cache/bun-windows-x64/<version>` under the repository root (DCVIX_BUN_WINDOWS_CACHE overrides). */
export function windowsRuntimeDir(root: string, version = Bun.version): string {
  return join(process.env.DCVIX_BUN_WINDOWS_CACHE ?? join(root, '.cache', 'bun-windows-x64'), version);
}

/** Path of bun.exe for `version`, packed and unpacked on first use; throws with npm's output when that fails. */
export function windowsBunExe(root: string, version = Bun.version): string {
  const dir = windowsRuntimeDir(root, version);
  const exe = join(dir, 'package', 'bin', 'bun.exe');
  if (existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const pack = Bun.spawnSync(['npm', 'pack', '--silent', `@oven/bun-windows-x64@${version}`], { cwd: dir, stdout: 'pipe', stderr: 'pipe' });
  if (pack.exitCode !== 0) throw new Error(`npm pack @oven/bun-windows-x64@${version} failed: ${pack.stderr.toString().trim()}`);
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack @oven/bun-windows-x64@${version} left no tarball in ${dir}`);
  const untar = Bun.spawnSync(['tar', '-xzf', tarball], { cwd: dir, stdout: 'pipe', stderr: 'pipe' });
  if (untar.exitCode !== 0 || !existsSync(exe)) throw new Error(`unpacking ${tarball} failed: ${untar.stderr.toString().trim()}`);
  return exe;
}

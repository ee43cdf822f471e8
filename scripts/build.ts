#!/usr/bin/env bun
/**
 * npm run build: dist/dcvix-director and dist/dcvix-agent as single-file executables
 * (bun build --compile, as bytecode), with the web app and migrations embedded and --version showing the version
 * and git commit; and dist/dcvix-agent-windows-x64.exe, the agent cross-compiled for Windows on Bun's
 * Windows runtime (from npm, cached), with version metadata and no console window (it runs as a service),
 * with its service host dist/dcvix-agent-service-windows-x64.exe (C, built with mingw-w64).
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exitOnHelp } from './lib/help.ts';
import { windowsBunExe } from './lib/windows-runtime.ts';
import { stampWindowsRuntime } from './lib/windows-version-info.ts';

exitOnHelp(`Usage: npm run build
  Builds dist/dcvix-director and dist/dcvix-agent as single-file executables (web app embedded), and
  dist/dcvix-agent-windows-x64.exe (Bun's Windows runtime comes from npm: @oven/bun-windows-x64, cached in .cache/).`);

const root = resolve(import.meta.dir, '..');
const pkg = await Bun.file(join(root, 'package.json')).json();
const commit = (() => {
  const revParse = Bun.spawnSync(['git', 'rev-parse', '--short=12', 'HEAD'], { cwd: root, stdout: 'pipe', stderr: 'ignore' });
  return revParse.exitCode === 0 ? revParse.stdout.toString().trim() : 'unknown';
})();
const dirty = Bun.spawnSync(['git', 'status', '--porcelain', '--untracked-files=no'], { cwd: root, stdout: 'pipe', stderr: 'ignore' }).stdout.toString().trim() ? '-dirty' : '';

mkdirSync(join(root, 'dist'), { recursive: true });
const stampedRuntime = join(root, 'dist', '.bun-windows-x64-stamped.exe');
stampWindowsRuntime(windowsBunExe(root), stampedRuntime, { version: pkg.version, commit: commit + dirty, description: 'dcvix agent for Amazon DCV hosts', originalFilename: 'dcvix-agent.exe' });
const targets = [
  // The director's WAL checkpoint thread is an entry point of its own, after the main one (director/store/checkpointer.ts).
  { program: 'director', file: 'dcvix-director', extra: [] as string[], workers: [join(root, 'director/store/checkpoint-worker.ts')] },
  { program: 'agent', file: 'dcvix-agent', extra: [] as string[] },
  // A service has no console: --windows-hide-console keeps one from opening when it starts at boot.
  { program: 'agent', file: 'dcvix-agent-windows-x64.exe', extra: ['--target=bun-windows-x64', `--compile-executable-path=${stampedRuntime}`, '--windows-hide-console'] },
];
for (const { program, file, extra, workers = [] } of targets) {
  const outfile = join(root, 'dist', file);
  const started = performance.now();
  const proc = Bun.spawnSync(
    [
      process.execPath,
      'build',
      '--compile',
      ...extra,
      '--minify',
      // Compiled ahead to JavaScriptCore bytecode: start-up skips parsing (~190 -> ~105 ms to the first answer).
      '--bytecode',
      '--format=esm',
      '--sourcemap=none',
      `--define`,
      `DCVIX_VERSION=${JSON.stringify(pkg.version)}`,
      `--define`,
      `DCVIX_COMMIT=${JSON.stringify(commit + dirty)}`,
      join(root, program, 'main.ts'),
      ...workers,
      '--outfile',
      outfile,
    ],
    { cwd: root, stdout: 'pipe', stderr: 'pipe' },
  );
  if (proc.exitCode !== 0) {
    console.error(proc.stdout.toString(), proc.stderr.toString());
    process.exit(1);
  }
  const mb = (statSync(outfile).size / 1024 / 1024).toFixed(1);
  console.log(`dist/${file}  ${mb} MB  (${Math.round(performance.now() - started)} ms)`);
}
rmSync(stampedRuntime, { force: true });

// The Windows service host (C, packaging/windows): the agent cannot talk to the service manager itself.
const serviceHost = join(root, 'dist', 'dcvix-agent-service-windows-x64.exe');
const mingw = 'x86_64-w64-mingw32-gcc';
if (Bun.which(mingw)) {
  const cc = Bun.spawnSync([mingw, '-O2', '-Wall', '-municode', '-s', '-o', serviceHost, join(root, 'packaging/windows/dcvix-agent-service.c')], { stdout: 'pipe', stderr: 'pipe' });
  if (cc.exitCode !== 0) {
    console.error(cc.stderr.toString());
    process.exit(1);
  }
  console.log(`dist/dcvix-agent-service-windows-x64.exe  ${(statSync(serviceHost).size / 1024).toFixed(0)} KB`);
} else {
  console.log(`dist/dcvix-agent-service-windows-x64.exe  not built: ${mingw} is missing (Debian: gcc-mingw-w64-x86-64-win32)`);
}

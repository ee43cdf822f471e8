import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { repoRoot } from './director.ts';

/** What a run's figures depend on: the machine, the runtime, the commit, and how busy it was at the start. */
export function describeMachine() {
  const model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const git = (args: string[]) =>
    Bun.spawnSync(['git', ...args], { cwd: repoRoot })
      .stdout.toString()
      .trim();
  const openFiles = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return {
    nproc: cpus().length,
    cpuModel: model,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    bun: Bun.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    // Bun lifts its soft limit to the hard one; the hard one bounds how many agents can keep a connection.
    openFilesLimit: openFiles ? `${openFiles[1]} (hard ${openFiles[2]})` : 'unknown',
    commit: git(['rev-parse', '--short', 'HEAD']),
    // Others may have uncommitted changes in director/ or agent/: the figures are for this tree.
    dirtyFiles: git(['status', '--porcelain', '--', 'director', 'agent', 'shared']).split('\n').filter(Boolean).length,
  };
}

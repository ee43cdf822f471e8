import { afterAll, describe, expect, test } from 'bun:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createLogger } from '../../shared/log.ts';
import { cleanupTempDirs, tempDir } from '../../tests/helpers/temp.ts';
import { SpawnDcvRunner } from '../dcv/runner.ts';
import { GpuReader, NVIDIA_SMI_ARGS, parseNvidiaSmi } from './gpus.ts';

afterAll(() => cleanupTempDirs());

const SIM = resolve(import.meta.dir, '../../tests/fixtures/nvidia-smi-simulator.ts');
const BIN = resolve(import.meta.dir, '../../node_modules/.bin');
const MIB = 1024 * 1024;

/** A reader on the nvidia-smi simulator with these GPUs (undefined: no driver), and what it logged. */
function simulated(gpus: object[] | undefined) {
  const dir = tempDir('nvidia-smi-sim-');
  const env = { PATH: `${BIN}:${process.env.PATH ?? ''}`, NVIDIA_SMI_SIM_GPUS: join(dir, 'gpus.json'), NVIDIA_SMI_SIM_ARGV_LOG: join(dir, 'argv.log') };
  if (gpus) writeFileSync(env.NVIDIA_SMI_SIM_GPUS, JSON.stringify(gpus));
  const logged: string[] = [];
  const log = createLogger({}, 'info', (line) => logged.push(JSON.parse(line).msg));
  const reader = new GpuReader(SIM, log, new SpawnDcvRunner({ binary: SIM, env, timeoutMs: 20_000 }));
  const argv = () =>
    readFileSync(env.NVIDIA_SMI_SIM_ARGV_LOG, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
  return { reader, logged, argv, gpusFile: env.NVIDIA_SMI_SIM_GPUS };
}

describe('nvidia-smi output', () => {
  test('ok: one GPU a line, memory MiB to bytes, a comma in the name kept, [N/A] utilisation left out', () => {
    const text = 'NVIDIA A10G, 23028, 512, 7\nTesla T4, rev 2, 15360, 0, [N/A]\n\n';
    expect(parseNvidiaSmi(text)).toEqual([
      { name: 'NVIDIA A10G', memoryTotalBytes: 23028 * MIB, memoryUsedBytes: 512 * MIB, utilizationPercent: 7 },
      { name: 'Tesla T4, rev 2', memoryTotalBytes: 15360 * MIB, memoryUsedBytes: 0 },
    ]);
  });

  test('rejects: lines without both memory figures, without a name, or too short; more than 16 GPUs are cut', () => {
    expect(parseNvidiaSmi('NVIDIA A10G, [N/A], 512, 7\n, 100, 1, 1\nNo devices were found\n')).toEqual([]);
    expect(parseNvidiaSmi('G, 10, 1, 1\n'.repeat(20))).toHaveLength(16);
  });
});

// The simulator is a script run through its #! line and the "cannot be started" case a file without the
// execute bit: POSIX only. On Windows the parsing tests above still run.
describe.skipIf(process.platform === 'win32')('GpuReader with the nvidia-smi simulator', () => {
  test('ok: asks for name, memory and utilisation as CSV without header and units, and reads the answer', async () => {
    const sim = simulated([
      { name: 'NVIDIA A10G', memoryTotalMiB: 23028, memoryUsedMiB: 1024, utilization: 35 },
      { name: 'NVIDIA A10G', memoryTotalMiB: 23028, memoryUsedMiB: 0, utilization: null },
    ]);
    expect(await sim.reader.read()).toEqual([
      { name: 'NVIDIA A10G', memoryTotalBytes: 23028 * MIB, memoryUsedBytes: 1024 * MIB, utilizationPercent: 35 },
      { name: 'NVIDIA A10G', memoryTotalBytes: 23028 * MIB, memoryUsedBytes: 0 },
    ]);
    expect(sim.argv()).toEqual([NVIDIA_SMI_ARGS]);
    expect(NVIDIA_SMI_ARGS).toEqual(['--query-gpu=name,memory.total,memory.used,utilization.gpu', '--format=csv,noheader,nounits']);
  });

  test('rejects: no nvidia-smi at the path (or none configured) is no GPUs, without running anything or logging', async () => {
    const logged: string[] = [];
    const log = createLogger({}, 'debug', (line) => logged.push(line));
    expect(await new GpuReader('/nonexistent/nvidia-smi', log).read()).toEqual([]);
    expect(await new GpuReader('', log).read()).toEqual([]);
    expect(logged).toEqual([]);
  });

  test('rejects: an nvidia-smi that cannot be started is no GPUs, logged once in its own words', async () => {
    const path = join(tempDir('nvidia-smi-noexec-'), 'nvidia-smi');
    writeFileSync(path, 'not a program');
    const logged: Record<string, unknown>[] = [];
    const reader = new GpuReader(
      path,
      createLogger({}, 'info', (line) => logged.push(JSON.parse(line))),
    );
    expect([await reader.read(), await reader.read()]).toEqual([[], []]);
    expect(logged.map((line) => [line.msg, line.problem])).toEqual([['nvidia-smi failed; reporting no GPUs until it answers', `nvidia-smi "${path}" could not be started (EACCES)`]]);
  });

  test('rejects: a failing nvidia-smi (no driver) is no GPUs, logged once while it fails and once when it answers again', async () => {
    const sim = simulated(undefined);
    for (let round = 0; round < 3; round++) expect(await sim.reader.read()).toEqual([]);
    expect(sim.logged).toEqual(['nvidia-smi failed; reporting no GPUs until it answers']);
    writeFileSync(sim.gpusFile, JSON.stringify([{ name: 'T4', memoryTotalMiB: 15360, memoryUsedMiB: 0, utilization: 0 }]));
    expect(await sim.reader.read()).toHaveLength(1);
    expect(sim.logged).toEqual(['nvidia-smi failed; reporting no GPUs until it answers', 'nvidia-smi answers again']);
    expect(sim.argv()).toHaveLength(4);
  });
});

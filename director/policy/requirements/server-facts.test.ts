import { describe, expect, test } from 'bun:test';
import { sampleServer } from '../../../tests/helpers/fleet.ts';
import type { ServerEntry } from '../../servers/records.ts';
import { satisfies } from './evaluate.ts';
import { parseRequirements } from './parse.ts';
import { readPolicyRequirements, serverSatisfies } from './server-facts.ts';
import { RequirementsError } from './tokenize.ts';

const GIB = 1024 ** 3;
const gpuHost = sampleServer('gpu1', {
  tags: ['gpu=a10', 'linux', 'site=eu:west', 'cores=8', 'gpu=ignored'],
  stats: { hostname: 'gpu1.example.com', free_memory: 40e9, total_memory: 64e9, cores: 16, cpu_usage: 5, load1: 1.5, load5: 1, load15: 0.5 },
  gpus: [
    { name: 'NVIDIA A10G', memoryTotalBytes: 24 * GIB, memoryUsedBytes: 4 * GIB, utilizationPercent: 10 },
    { name: 'NVIDIA A10G', memoryTotalBytes: 24 * GIB, memoryUsedBytes: 20 * GIB },
  ],
  host: { osFamily: 'linux', osName: 'Ubuntu', osVersion: '22.04', kernelVersion: '6.1.0', architecture: 'x86_64', cpuModel: 'AMD EPYC 7R32' },
  version: '1.4.0',
});
const plainHost = sampleServer('ws1', { tags: ['windows-apps'], stats: null });

const holds = (text: string, server: ServerEntry = gpuHost) => serverSatisfies(readPolicyRequirements(text), server);

describe('requirements on a server', () => {
  test('ok: tag:key reads the value of tag key=value; a bare tag reads as empty; the first tag of a key wins', () => {
    expect(holds("tag:gpu = 'a10'")).toBe(true);
    expect(holds("tag:gpu = 'ignored'")).toBe(false);
    expect(holds("tag:linux = ''")).toBe(true);
    expect(holds("tag:linux != ''")).toBe(false);
    expect(holds("tag:site = 'eu:west' and tag:site := 'west'")).toBe(true);
    expect(holds('tag:cores >= 8 and tag:cores = 8')).toBe(true);
    expect(holds("tag:gpu = 'A10'")).toBe(false);
  });

  test('ok: server properties read what the agent reports, Session Manager names and dcvix GPU ones', () => {
    const cases: [string, boolean][] = [
      ["server:Id = 'gpu1'", true],
      ["server:Hostname = 'gpu1.example.com'", true],
      ["server:SessionManagerAgentVersion = '1.4.0'", true],
      ["server:Host.Os.Family = 'linux'", true],
      ["server:Host.Os.Name = 'Ubuntu' and server:Host.Os.Version = '22.04' and server:Host.Os.KernelVersion := '6.1'", true],
      ['server:Host.Memory.TotalBytes > 32E9', true],
      ['server:Host.Memory.UsedBytes = 24E9', true],
      ['server:Host.CpuInfo.NumberOfCpus >= 16 and server:Host.CpuInfo.NumberOfCpus < 17', true],
      ["server:Host.CpuInfo.Architecture = 'x86_64' and server:Host.CpuInfo.ModelName := 'EPYC'", true],
      ['server:Host.CpuLoadAverage.OneMinute <= 1.5 and server:Host.CpuLoadAverage.FiveMinutes = 1 and server:Host.CpuLoadAverage.FifteenMinutes < 1', true],
      ['server:Host.Gpus.Count = 2', true],
      ["server:Host.Gpus.ModelName = 'NVIDIA A10G'", true],
      [`server:Host.Gpus.MemoryTotalBytes = ${48 * GIB} and server:Host.Gpus.MemoryFreeBytes = ${24 * GIB}`, true],
      ["server:Host.CpuInfo.NumberOfCpus = '16'", true],
    ];
    for (const [text, expected] of cases) expect({ text, holds: holds(text) }).toEqual({ text, holds: expected });
  });

  test('ok: and, or, not and parentheses combine as written', () => {
    expect(holds("tag:gpu = 'a10' and server:Host.Memory.TotalBytes > 32E9")).toBe(true);
    expect(holds("tag:gpu = 't4' or server:Host.Gpus.Count > 1")).toBe(true);
    expect(holds("not tag:gpu = 't4' and not (tag:linux = 'x' or tag:site := 'us')")).toBe(true);
    expect(holds("tag:gpu = 't4' or tag:linux = '' and tag:site = 'nowhere'")).toBe(false);
  });

  test('rejects: what the server lacks or cannot compare satisfies no comparison, whatever the operator; not of it does', () => {
    expect(holds("tag:gpu = 'a10'", plainHost)).toBe(false);
    expect(holds("tag:gpu != 'a10'", plainHost)).toBe(false);
    expect(holds("not tag:gpu = 'a10'", plainHost)).toBe(true);
    expect(holds('server:Host.Memory.TotalBytes > 0', plainHost)).toBe(false);
    expect(holds('server:Host.Memory.TotalBytes < 1E30', plainHost)).toBe(false);
    expect(holds("server:Host.Os.Family = 'linux'", plainHost)).toBe(false);
    expect(holds('server:Host.Gpus.Count = 0', plainHost)).toBe(true);
    expect(holds('tag:site > 3')).toBe(false);
    expect(holds('tag:site != 3')).toBe(false);
    // A property nobody knows, in an expression that did not come through the policy: no server has it.
    expect(serverSatisfies(parseRequirements("server:Host.Nothing = 'x'"), gpuHost)).toBe(false);
    expect(satisfies(parseRequirements("tag:a = 'x' or tag:b = 'y'"), () => undefined)).toBe(false);
  });

  test('rejects: a policy naming a property nobody knows, or one no dcvix agent reports, with its character', () => {
    const refused = (text: string) => {
      try {
        readPolicyRequirements(text);
        return undefined;
      } catch (err) {
        return err instanceof RequirementsError ? err.message : String(err);
      }
    };
    expect(refused("tag:gpu = 'a10' and server:Host.Memory.Total > 1")).toBe('at character 21: unknown server property "server:Host.Memory.Total"');
    expect(refused("server:Host.Aws.Region = 'eu-west-1'")).toBe('at character 1: server:Host.Aws.Region is a Session Manager property dcvix agents do not report: no server would ever satisfy it');
    expect(refused("tag:anything-at-all = 'x'")).toBeUndefined();
    expect(refused("tag:gpu = 'a10' and")).toBe('at character 20: expected tag:<key>, server:<property>, not or "(", found the end');
  });
});

import { freeGpuMemory } from '../../../shared/api/host-facts.ts';
import { splitTag } from '../../../shared/api/tags.ts';
import type { ServerEntry } from '../../servers/records.ts';
import type { ReferenceValue } from './evaluate.ts';
import { satisfies } from './evaluate.ts';
import { parseRequirements, type Reference, type Requirement } from './parse.ts';
import { RequirementsError } from './tokenize.ts';

type Read = (server: ServerEntry) => ReferenceValue;

/**
 * Session Manager's server properties (`server:<name>`), each with what a dcvix agent reports for it,
 * or null where no dcvix agent reports it (AWS instance data, swap, Windows build numbers, the DCV
 * server's own version). Host.Gpus.* are dcvix's own: Session Manager names no GPU property in its
 * requirements. Stats come from every agent (the Go one too); Host.Os.* and Host.CpuInfo.Architecture /
 * ModelName only from this project's agent.
 */
const SERVER_PROPERTIES = new Map<string, Read | null>([
  ['Id', (server) => server.id],
  ['Hostname', (server) => server.stats?.hostname || undefined],
  ['Version', null],
  ['SessionManagerAgentVersion', (server) => server.version ?? undefined],
  ['Host.Os.BuildNumber', null],
  ['Host.Os.Family', (server) => server.host?.osFamily],
  ['Host.Os.KernelVersion', (server) => server.host?.kernelVersion],
  ['Host.Os.Name', (server) => server.host?.osName],
  ['Host.Os.Version', (server) => server.host?.osVersion],
  ['Host.Memory.TotalBytes', (server) => server.stats?.total_memory],
  ['Host.Memory.UsedBytes', (server) => (server.stats ? Math.max(0, server.stats.total_memory - server.stats.free_memory) : undefined)],
  ['Host.Swap.TotalBytes', null],
  ['Host.Swap.UsedBytes', null],
  ['Host.CpuLoadAverage.OneMinute', (server) => server.stats?.load1],
  ['Host.CpuLoadAverage.FiveMinutes', (server) => server.stats?.load5],
  ['Host.CpuLoadAverage.FifteenMinutes', (server) => server.stats?.load15],
  ['Host.Aws.Ec2InstanceId', null],
  ['Host.Aws.Ec2InstanceType', null],
  ['Host.Aws.Region', null],
  ['Host.Aws.Ec2ImageId', null],
  ['Host.CpuInfo.Architecture', (server) => server.host?.architecture],
  ['Host.CpuInfo.ModelName', (server) => server.host?.cpuModel],
  ['Host.CpuInfo.NumberOfCpus', (server) => server.stats?.cores],
  ['Host.CpuInfo.PhysicalCoresPerCpu', null],
  ['Host.CpuInfo.Vendor', null],
  ['Host.Gpus.Count', (server) => server.gpus?.length ?? 0],
  ['Host.Gpus.ModelName', (server) => (server.gpus?.length ? [...new Set(server.gpus.map((gpu) => gpu.name))].join(', ') : undefined)],
  ['Host.Gpus.MemoryTotalBytes', (server) => server.gpus?.reduce((sum, gpu) => sum + gpu.memoryTotalBytes, 0) ?? 0],
  ['Host.Gpus.MemoryFreeBytes', (server) => freeGpuMemory(server.gpus)],
]);

/**
 * Why a policy may not use a reference, or undefined: a property that is not Session Manager's nor
 * dcvix's (a typo), or one no dcvix agent reports (it would match no server, ever). Tags are never
 * refused: a host may be tagged later.
 */
function refusedReference(ref: Reference): string | undefined {
  if (ref.scope === 'tag') return undefined;
  const read = SERVER_PROPERTIES.get(ref.name);
  if (read === undefined) return `unknown server property "server:${ref.name}"`;
  if (read === null) return `server:${ref.name} is a Session Manager property dcvix agents do not report: no server would ever satisfy it`;
  return undefined;
}

/**
 * A policy's requirements expression: parsed, and every server property one dcvix agents report.
 * @throws RequirementsError naming the character where it goes wrong
 */
export function readPolicyRequirements(text: string): Requirement {
  const requirement = parseRequirements(text);
  const refused = firstRefusedReference(requirement);
  if (refused) throw new RequirementsError(refused.at, refused.reason);
  return requirement;
}

/** The first reference of an expression a policy may not use, with its character, or undefined. */
function firstRefusedReference(requirement: Requirement): { at: number; reason: string } | undefined {
  switch (requirement.kind) {
    case 'and':
    case 'or':
      return firstRefusedReference(requirement.left) ?? firstRefusedReference(requirement.right);
    case 'not':
      return firstRefusedReference(requirement.operand);
    case 'compare': {
      const reason = refusedReference(requirement.ref);
      return reason ? { at: requirement.at, reason } : undefined;
    }
  }
}

/** A server's tags as key -> value (the first tag of a key wins; a bare tag's value is ''). Entries are replaced, never changed: made once each. */
const tagMaps = new WeakMap<ServerEntry, Map<string, string>>();

function tagsOf(server: ServerEntry): Map<string, string> {
  let map = tagMaps.get(server);
  if (!map) {
    map = new Map();
    for (const tag of server.tags) {
      const { key, value } = splitTag(tag);
      if (!map.has(key)) map.set(key, value);
    }
    tagMaps.set(server, map);
  }
  return map;
}

/** What `tag:<key>` or `server:<property>` reads on this server (undefined: it has none). */
function readReference(server: ServerEntry, ref: Reference): ReferenceValue {
  if (ref.scope === 'tag') return tagsOf(server).get(ref.name);
  return SERVER_PROPERTIES.get(ref.name)?.(server);
}

/** Whether a server satisfies a pool's requirements. */
export function serverSatisfies(requirement: Requirement, server: ServerEntry): boolean {
  return satisfies(requirement, (ref) => readReference(server, ref));
}

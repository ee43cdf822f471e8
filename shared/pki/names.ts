/** Agent certificates and CSRs name the agent as `dcvix-agent-{guid}`. */
const AGENT_CN_PREFIX = 'dcvix-agent-';
export const DIRECTOR_CN = 'dcvix-director';
export const CA_CN = 'dcvix CA';

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A UUIDv4 in lower-case canonical form. */
export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID_RE.test(value);
}

export function agentCn(guid: string): string {
  return AGENT_CN_PREFIX + guid;
}

/** The GUID named by an agent CN, or undefined when the CN is not an agent's. */
export function guidFromCn(cn: string | undefined): string | undefined {
  if (!cn?.startsWith(AGENT_CN_PREFIX)) return undefined;
  const guid = cn.slice(AGENT_CN_PREFIX.length);
  return isGuid(guid) ? guid : undefined;
}

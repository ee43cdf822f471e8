/**
 * The director's verdict on an agent's DCV self-check. DCV asks `[security] auth-token-verifier` whether
 * a connection token opens a session; when that URL is not one of this cluster's directors, every
 * session placed on the host would refuse its users, so the host is unhealthy (DCV_MISCONFIGURED) and
 * placement skips it.
 *
 * "Ours" is: https on one of the director's ports (director_port, public_port) at one of the names its
 * certificates carry (dcvix-director, localhost, this host's name and FQDN, 127.0.0.1, `hostnames`,
 * `public_hostnames`), or the origin of public_url, or host:port of another director of the same
 * cluster (the directors sharing the store, as they register themselves); and the path is the
 * verifier's. Host names compare without regard to case. A host whose settings could not be read
 * (readError) or whose agent sends no check is not judged.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DcvCheck, VERIFIER_PATH } from '../../shared/api/dcv-check.ts';

/** A self-check as the server entry keeps it: the agent's findings and the director's verdict. */
export const ServerDcvCheck = Type.Object(
  {
    ...DcvCheck.properties,
    problem: Type.Optional(Type.String({ description: 'Why this verifier is not ours (the health message); absent: it is, or it could not be read' })),
  },
  { description: "The host's DCV self-check as its agent last reported it, with the director's verdict" },
);
export type ServerDcvCheck = Static<typeof ServerDcvCheck>;

/** Where this director (and its cluster) answer verifier requests: origins and host:port pairs. */
export interface VerifierTargets {
  /** Full origins (https://host[:port]), lower case. */
  origins: ReadonlySet<string>;
}

/** The origins a director answers on, from its names and ports (ports 0 left out: not listening yet). */
export function verifierTargets(names: readonly string[], ports: readonly number[], extraOrigins: readonly string[]): VerifierTargets {
  const origins = new Set<string>();
  for (const origin of extraOrigins) origins.add(normalOrigin(origin));
  for (const name of names) for (const port of ports) if (port > 0) origins.add(normalOrigin(`https://${name.includes(':') ? `[${name}]` : name}:${port}`));
  origins.delete('');
  return { origins };
}

/** The verdict: undefined when the verifier is ours or unknown, else the reason shown to admins. */
export function verifierProblem(check: DcvCheck, targets: VerifierTargets): string | undefined {
  if (check.readError) return undefined;
  if (!check.verifier) return `auth-token-verifier is not set in ${check.source}: DCV does not ask the director about connection tokens`;
  let url: URL;
  try {
    url = new URL(check.verifier);
  } catch {
    return `auth-token-verifier is not a URL: ${check.verifier}`;
  }
  if (!targets.origins.has(normalOrigin(url.origin))) return `auth-token-verifier points at ${check.verifier}`;
  if (url.pathname !== VERIFIER_PATH) return `auth-token-verifier points at ${check.verifier}, not at the verifier path ${VERIFIER_PATH}`;
  return undefined;
}

/** The self-check with the verdict added. */
export function judgedDcvCheck(check: DcvCheck, targets: VerifierTargets): ServerDcvCheck {
  const problem = verifierProblem(check, targets);
  return { ...check, ...(problem ? { problem } : {}) };
}

function normalOrigin(text: string): string {
  try {
    return new URL(text).origin.toLowerCase();
  } catch {
    return '';
  }
}

/** How long the list of the cluster's directors is reused between updates. */
const PEERS_REUSE_MS = 10_000;

export interface DcvCheckJudgeOptions {
  /** The names this director's certificates carry (asked on the first judgement, not at start-up). */
  names: () => readonly string[];
  /** Its listening ports now (the bound ones: 0 in the config means any). */
  ports: () => number[];
  /** Origins it is reached by beside those (public_url). */
  origins: readonly string[];
  /** host:port of every director sharing the store (this one included). */
  peers: () => Promise<string[]>;
  now?: () => number;
}

/** Judges updates' self-checks against this director and its cluster; the cluster list is re-read every 10 s at most. */
export function dcvCheckJudge(opts: DcvCheckJudgeOptions): (check: DcvCheck) => Promise<ServerDcvCheck> {
  const now = opts.now ?? Date.now;
  let peers: { origins: string[]; at: number } | undefined;
  return async (check) => {
    if (!peers || now() - peers.at >= PEERS_REUSE_MS) {
      // A store that cannot list them leaves the last list (or none) in force: the director's own names still count.
      const names = await opts.peers().catch(() => peers?.origins.map((origin) => origin.slice('https://'.length)) ?? []);
      peers = { origins: names.map((name) => `https://${name}`), at: now() };
    }
    return judgedDcvCheck(check, verifierTargets(opts.names(), opts.ports(), [...opts.origins, ...peers.origins]));
  };
}

/**
 * What `dcvix-agent doctor` looks at, each check one finding for a person: DCV answers and its version,
 * dcv.conf's verifier, the director reachable over the CA the agent holds, and the agent's certificate
 * (present, in date, issued by that CA). Nothing is written: the data dir is only read.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { VERIFIER_PATH } from '../../shared/api/dcv-check.ts';
import type { AgentConfig } from '../config/schema.ts';
import { identityPaths } from '../identity/files.ts';
import type { DcvCheck } from '../../shared/api/dcv-check.ts';

export interface Finding {
  check: string;
  /** ok: fine; warn: worth a look, not wrong; fail: something is wrong (the exit status says so). */
  level: 'ok' | 'warn' | 'fail';
  detail: string;
}

/** Within this of its end, a certificate is reported (the agent renews long before, so this means renewal fails). */
const EXPIRY_WARNING_MS = 24 * 3_600_000;
/** Time limit of one HTTPS probe. */
const PROBE_TIMEOUT_MS = 5_000;

/** The agent's DCV self-check as a person reads it: where, which verifier, and whether it is the director's. */
export async function verifierFinding(check: DcvCheck, directorUrl: string, caPem: string | undefined): Promise<Finding> {
  const name = `DCV auth-token-verifier (${check.source})`;
  if (check.readError) return { check: name, level: 'fail', detail: `cannot be read: ${check.readError}` };
  if (!check.verifier) return { check: name, level: 'fail', detail: 'not set: DCV does not ask the director about connection tokens' };
  let url: URL;
  try {
    url = new URL(check.verifier);
  } catch {
    return { check: name, level: 'fail', detail: `not a URL: ${check.verifier}` };
  }
  if (url.protocol !== 'https:' || url.pathname !== VERIFIER_PATH) return { check: name, level: 'fail', detail: `points at ${check.verifier}; want https://<director>${VERIFIER_PATH}` };
  if (url.origin === new URL(directorUrl).origin) return { check: name, level: 'ok', detail: `${check.verifier} (this agent's director_url)` };
  // Another name of the director, or another director of the cluster: they share the CA this agent holds.
  const probe = await probeHealth(url.origin, caPem);
  if (probe === true) return { check: name, level: 'ok', detail: `${check.verifier} (a director with this agent's CA)` };
  return { check: name, level: 'fail', detail: `points at ${check.verifier}, which is not director_url and answers as no director of this agent's CA (${probe})` };
}

/** GET <origin>/v1/health trusting only `caPem`: true, or why not. */
export async function probeHealth(origin: string, caPem: string | undefined): Promise<true | string> {
  try {
    const response = await fetch(`${origin}/v1/health`, { tls: caPem ? { ca: caPem } : {}, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) } as RequestInit);
    return response.ok ? true : `HTTP ${response.status}`;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The director reachable at director_url with the CA the agent holds (or ca_file before enrolment). */
export async function directorFinding(config: AgentConfig, caPem: string | undefined): Promise<Finding> {
  const check = `director ${config.director_url}`;
  if (!caPem) return { check, level: 'fail', detail: 'no CA to check it with: the agent has not enrolled yet and ca_file is not set' };
  const probe = await probeHealth(config.director_url, caPem);
  return probe === true ? { check, level: 'ok', detail: 'reachable, its certificate issued by the CA the agent holds' } : { check, level: 'fail', detail: `not reachable: ${probe}` };
}

/** The agent's certificate in data_dir: present, in date, issued by the CA stored beside it. */
export function certificateFinding(dataDir: string, now: number): Finding {
  const paths = identityPaths(dataDir);
  const check = `agent certificate ${paths.cert}`;
  if (!existsSync(paths.cert) || !existsSync(paths.ca)) return { check, level: 'fail', detail: 'none: the agent has not been approved yet (or data_dir is another one)' };
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(readFileSync(paths.cert));
    ca = new X509Certificate(readFileSync(paths.ca));
  } catch (err) {
    return { check, level: 'fail', detail: `unreadable: ${(err as Error).message}` };
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return { check, level: 'fail', detail: `not issued by the CA in ${paths.ca} (${ca.subject.replace(/\n/g, ', ')})` };
  const notAfter = Date.parse(cert.validTo);
  const notBefore = Date.parse(cert.validFrom);
  const until = `valid until ${new Date(notAfter).toISOString()}`;
  if (now >= notAfter) return { check, level: 'fail', detail: `expired at ${new Date(notAfter).toISOString()}: the agent registers again and needs approval` };
  if (now < notBefore) return { check, level: 'fail', detail: `not valid before ${new Date(notBefore).toISOString()}: check this host's clock` };
  if (notAfter - now < EXPIRY_WARNING_MS) return { check, level: 'warn', detail: `${until}, less than a day: renewal has not worked, see the agent's log` };
  return { check, level: 'ok', detail: `${until}, issued by the CA the agent holds` };
}

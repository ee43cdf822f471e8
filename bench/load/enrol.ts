/**
 * Load process: enrols `count` simulated agents through the real API, the way an agent does.
 * Ed25519 key + CSR here -> POST /v1/agent/register (403 pending) -> admin approves over
 * POST /v1/admin/agents/{guid}/approve -> POST /v1/agent/register again -> certificate.
 * Writes the identities (guid, hostname, key, certificate) as JSON to `out`.
 */
import { writeFileSync } from 'node:fs';
import { createCsr } from '../../agent/identity/ed25519-csr.ts';
import { generateEd25519, privateKeyToPem } from '../../shared/pki/keys.ts';
import { agentCn } from '../../shared/pki/names.ts';
import { call } from '../../scripts/lib/https.ts';
import { pool } from '../../scripts/lib/pool.ts';
import { round } from '../lib/http.ts';
import { loadArgs, reply } from '../lib/proc.ts';
import { exitOnHelp } from '../../scripts/lib/help.ts';

exitOnHelp(`Usage: bun bench/load/enrol.ts ...  (a load process the benchmark runner starts: npm run bench)\n  Load process: enrols count simulated agents through the real API, the way an agent does`);

export interface Identity {
  guid: string;
  hostname: string;
  keyPem: string;
  certPem: string;
}

interface Args {
  url: string;
  caPem: string;
  adminCookie: string;
  count: number;
  /** Host names are `${hostPrefix}${index}` (zero-padded): the server ids the policy names. */
  hostPrefix: string;
  concurrency: number;
  out: string;
}

const args = loadArgs<Args>();
const pad = String(args.count).length;
const t0 = performance.now();
const phase = (since: number) => round((performance.now() - since) / 1000, 3);

let phaseStart = performance.now();
const pending = await pool(Array.from({ length: args.count }, (_, index) => index), 4, async (index) => {
  const keys = await generateEd25519();
  const guid = crypto.randomUUID();
  const csr = Buffer.from(await createCsr(keys, agentCn(guid))).toString('base64');
  return { guid, hostname: `${args.hostPrefix}${String(index).padStart(pad, '0')}`, keyPem: await privateKeyToPem(keys.privateKey), csr };
});
const keygenS = phase(phaseStart);

const register = (agent: (typeof pending)[number]) =>
  call(`${args.url}/v1/agent/register`, { method: 'POST', ca: args.caPem, json: { guid: agent.guid, hostname: agent.hostname, csr: agent.csr } });

phaseStart = performance.now();
await pool(pending, args.concurrency, async (agent) => {
  const response = await register(agent);
  if (response.status !== 403 || response.json?.error?.code !== 'AGENT_PENDING') throw new Error(`register ${agent.hostname}: ${response.status} ${response.text}`);
});
const registerS = phase(phaseStart);

phaseStart = performance.now();
await pool(pending, args.concurrency, async (agent) => {
  const response = await call(`${args.url}/v1/admin/agents/${agent.guid}/approve`, { method: 'POST', ca: args.caPem, cookie: args.adminCookie });
  if (response.status !== 200) throw new Error(`approve ${agent.hostname}: ${response.status} ${response.text}`);
});
const approveS = phase(phaseStart);

phaseStart = performance.now();
const identities: Identity[] = await pool(pending, args.concurrency, async (agent) => {
  const response = await register(agent);
  if (response.status !== 200) throw new Error(`certificate for ${agent.hostname}: ${response.status} ${response.text}`);
  return { guid: agent.guid, hostname: agent.hostname, keyPem: agent.keyPem, certPem: response.json.certificate as string };
});
const issueS = phase(phaseStart);

writeFileSync(args.out, JSON.stringify(identities));
const count = args.count;
await reply({
  count,
  totalS: phase(t0),
  keygenS,
  registerPerS: round(count / registerS, 1),
  approvePerS: round(count / approveS, 1),
  issuePerS: round(count / issueS, 1),
});

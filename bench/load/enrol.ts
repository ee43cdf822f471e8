/**
 * Load process: enrols `count` simulated agents through the real API, the way an agent does.
 * Ed25519 key + CSR here -> POST /v1/agent/register (403 pending) -> admin approves over
 * POST /v1/admin/agents/{guid}/approve -> POST /v1/agent/register again -> certificate.
 * Writes the identities (guid, hostname, key, certificate) as JSON to `out`.
 */
import { writeFileSync } from 'node:fs';
import { createCsr } from '../../shared/pki/ed25519-csr.ts';
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

const a = loadArgs<Args>();
const pad = String(a.count).length;
const t0 = performance.now();
const phase = (t: number) => round((performance.now() - t) / 1000, 3);

let t = performance.now();
const pending = await pool(Array.from({ length: a.count }, (_, i) => i), 4, async (i) => {
  const keys = await generateEd25519();
  const guid = crypto.randomUUID();
  const csr = Buffer.from(await createCsr(keys, agentCn(guid))).toString('base64');
  return { guid, hostname: `${a.hostPrefix}${String(i).padStart(pad, '0')}`, keyPem: await privateKeyToPem(keys.privateKey), csr };
});
const keygenS = phase(t);

const register = (p: (typeof pending)[number]) =>
  call(`${a.url}/v1/agent/register`, { method: 'POST', ca: a.caPem, json: { guid: p.guid, hostname: p.hostname, csr: p.csr } });

t = performance.now();
await pool(pending, a.concurrency, async (p) => {
  const r = await register(p);
  if (r.status !== 403 || r.json?.error?.code !== 'AGENT_PENDING') throw new Error(`register ${p.hostname}: ${r.status} ${r.text}`);
});
const registerS = phase(t);

t = performance.now();
await pool(pending, a.concurrency, async (p) => {
  const r = await call(`${a.url}/v1/admin/agents/${p.guid}/approve`, { method: 'POST', ca: a.caPem, cookie: a.adminCookie });
  if (r.status !== 200) throw new Error(`approve ${p.hostname}: ${r.status} ${r.text}`);
});
const approveS = phase(t);

t = performance.now();
const identities: Identity[] = await pool(pending, a.concurrency, async (p) => {
  const r = await register(p);
  if (r.status !== 200) throw new Error(`certificate for ${p.hostname}: ${r.status} ${r.text}`);
  return { guid: p.guid, hostname: p.hostname, keyPem: p.keyPem, certPem: r.json.certificate as string };
});
const issueS = phase(t);

writeFileSync(a.out, JSON.stringify(identities));
const n = a.count;
await reply({
  count: n,
  totalS: phase(t0),
  keygenS,
  registerPerS: round(n / registerS, 1),
  approvePerS: round(n / approveS, 1),
  issuePerS: round(n / issueS, 1),
});

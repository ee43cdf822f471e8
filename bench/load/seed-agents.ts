/**
 * Load process: adds `count` registered agents to a stopped director's data dir without the HTTP API,
 * through the director's own code: the agent's CSR builder, the director's CSR checks, its agent store
 * (pending -> approved -> certificate recorded, the rows the API writes) and its CA (the certificate
 * the API would hand out). For fleets too large to enrol through the API within the benchmark's time.
 * Writes the identities (guid, hostname, key, certificate) as JSON to `out`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCsr } from '../../agent/identity/ed25519-csr.ts';
import { openAuthority } from '../../director/ca/authority.ts';
import { checkAgentCsr } from '../../director/agents/csr-checks.ts';
import { SqliteAgentStore } from '../../director/agents/store.ts';
import { openDatabase } from '../../director/store/db.ts';
import { systemClock } from '../../shared/clock.ts';
import { generateEd25519, privateKeyToPem } from '../../shared/pki/keys.ts';
import { agentCn } from '../../shared/pki/names.ts';
import { exitOnHelp } from '../../scripts/lib/help.ts';
import { round } from '../lib/http.ts';
import { loadArgs, reply } from '../lib/proc.ts';
import type { Identity } from './enrol.ts';

exitOnHelp(
  `Usage: bun bench/load/seed-agents.ts ...  (a load process the benchmark runner starts: npm run bench)\n  Load process: adds count registered agents to a stopped director's data dir through the director's own store and CA code`,
);

interface Args {
  dataDir: string;
  /** Index of the first agent: host names are `${hostPrefix}${index}` zero-padded to `pad` digits. */
  first: number;
  count: number;
  hostPrefix: string;
  pad: number;
  out: string;
}

const BATCH = 500;
const args = loadArgs<Args>();
const db = openDatabase(join(args.dataDir, 'agents.db'));
const store = new SqliteAgentStore(db);
const ca = await openAuthority({ dataDir: args.dataDir, hostnames: [], clock: systemClock });
const t0 = performance.now();
const identities: Identity[] = [];

for (let start = 0; start < args.count; start += BATCH) {
  // Keys, CSRs and certificates first, outside any transaction: two seeders may share the database.
  const batch = [];
  for (let index = start; index < Math.min(args.count, start + BATCH); index++) {
    const keys = await generateEd25519();
    const guid = crypto.randomUUID();
    const csrDer = await createCsr(keys, agentCn(guid));
    const csr = await checkAgentCsr(Buffer.from(csrDer).toString('base64'), guid);
    const issued = await ca.issueAgentCertificate(csr.parsed.publicKeySpki, guid);
    const hostname = `${args.hostPrefix}${String(args.first + index).padStart(args.pad, '0')}`;
    batch.push({ guid, hostname, csr, issued, keyPem: await privateKeyToPem(keys.privateKey) });
  }
  const now = systemClock.now();
  db.exec('BEGIN IMMEDIATE');
  for (const agent of batch) {
    await store.insertPending({
      guid: agent.guid,
      hostname: agent.hostname,
      publicKey: agent.csr.parsed.publicKeySpki,
      csr: agent.csr.der,
      csrFingerprint: agent.csr.fingerprint,
      remoteAddress: '127.0.0.1',
      now,
    });
    await store.approve(agent.guid, 'bench-seed', now);
    await store.recordIssued({
      guid: agent.guid,
      publicKey: agent.csr.parsed.publicKeySpki,
      serial: agent.issued.serialHex,
      notAfter: agent.issued.notAfter.getTime(),
      hostname: agent.hostname,
      now,
    });
    identities.push({ guid: agent.guid, hostname: agent.hostname, keyPem: agent.keyPem, certPem: agent.issued.pem });
  }
  db.exec('COMMIT');
}
db.close();
writeFileSync(args.out, JSON.stringify(identities));
const seconds = (performance.now() - t0) / 1000;
await reply({ count: args.count, seconds: round(seconds, 2), perS: round(args.count / seconds, 1) });

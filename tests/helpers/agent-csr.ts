import { createCsr } from '../../agent/identity/ed25519-csr.ts';
import { generateEd25519 } from '../../shared/pki/keys.ts';
import { agentCn } from '../../shared/pki/names.ts';

/** A fresh GUID with a valid registration body for it (own Ed25519 key, CSR naming that GUID). */
export async function registrationBody(hostname: string): Promise<{ guid: string; hostname: string; csr: string }> {
  const guid = crypto.randomUUID();
  const csr = await createCsr(await generateEd25519(), agentCn(guid));
  return { guid, hostname, csr: Buffer.from(csr).toString('base64') };
}

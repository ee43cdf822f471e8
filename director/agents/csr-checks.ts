import { badRequest } from '../../shared/errors.ts';
import { sha256Fingerprint } from '../../shared/pki/native-cert.ts';
import { isEd25519Key, parseCsr, type ParsedCsr } from '../ca/csr.ts';
import { agentCn } from '../../shared/pki/names.ts';

/** A CSR that passed every check, with what the director keeps of it. */
export interface CheckedCsr {
  der: Uint8Array;
  parsed: ParsedCsr;
  fingerprint: string;
}

const MAX_CSR_BYTES = 4096;

/**
 * CA issuance is a list of checks: strict base64 -> DER PKCS#10 -> its own signature ->
 * CN must be dcvix-agent-{guid} for the GUID asking -> key must be Ed25519. Each failure has its code.
 */
export function checkAgentCsr(csrBase64: string, guid: string): CheckedCsr {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(csrBase64) || csrBase64.length % 4 !== 0) {
    throw badRequest('INVALID_CSR_ENCODING', 'csr must be base64-encoded DER');
  }
  const der = new Uint8Array(Buffer.from(csrBase64, 'base64'));
  if (der.byteLength === 0 || der.byteLength > MAX_CSR_BYTES) throw badRequest('INVALID_CSR_ENCODING', 'csr has an implausible size');
  let parsed: ParsedCsr;
  try {
    parsed = parseCsr(der);
  } catch {
    throw badRequest('INVALID_CSR', 'csr is not a PKCS#10 certification request');
  }
  if (!parsed.signatureValid) throw badRequest('CSR_SIGNATURE_INVALID', 'csr signature does not verify');
  if (parsed.commonName !== agentCn(guid)) throw badRequest('CSR_CN_MISMATCH', `csr common name must be ${agentCn(guid)}`);
  if (!isEd25519Key(parsed)) throw badRequest('CSR_KEY_NOT_ED25519', 'agent keys must be Ed25519');
  return { der, parsed, fingerprint: sha256Fingerprint(der) };
}

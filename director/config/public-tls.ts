import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import { TLS_POLICY } from '../../shared/http/secure-server.ts';

/** The public certificate as read: PEM text, the TLS context made of it, and what a log line says of it. */
export interface PublicTls {
  cert: string;
  key: string;
  context: SecureContext;
  subject: string;
  notAfter: string;
}

/**
 * Reads public_tls_cert_file (the certificate first, then its chain) and public_tls_key_file and checks
 * they belong together. `clientCa` goes into the context so a client certificate sent on that name is
 * still checked against the director's CA. Throws with the reason (unreadable, not PEM, key mismatch).
 */
export function readPublicTls(certFile: string, keyFile: string, clientCa?: string): PublicTls {
  const cert = readFileSync(certFile, 'utf8');
  const key = readFileSync(keyFile, 'utf8');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw new Error(`${certFile} holds no PEM certificate`);
  }
  let context: SecureContext;
  try {
    context = createSecureContext({ cert, key, ...(clientCa ? { ca: clientCa } : {}), ...TLS_POLICY });
  } catch (err) {
    throw new Error(`${certFile} and ${keyFile} do not make a TLS certificate (${(err as Error).message})`);
  }
  return { cert, key, context, subject: leaf.subject.replace(/\n/g, ', '), notAfter: new Date(leaf.validTo).toISOString() };
}

/**
 * What the TLS layer knows about a request that the request itself cannot carry: the verified peer
 * certificate and the client's address. Kept in a WeakMap keyed by the Request object, so a client
 * cannot forge it with a header.
 */
export interface PeerCertificate {
  /** The chain verified against our CA (OpenSSL's verdict, dates included). */
  authorized: boolean;
  subjectCn: string | undefined;
  /** DER of the leaf certificate, when one was presented. */
  raw: Uint8Array | undefined;
}

export interface ConnectionInfo {
  remoteAddress: string;
  peer: PeerCertificate;
}

const infos = new WeakMap<Request, ConnectionInfo>();

export function attachConnectionInfo(request: Request, info: ConnectionInfo): void {
  infos.set(request, info);
}

/** The connection facts of a request; requests built in tests without a socket get an anonymous peer. */
export function connectionInfo(request: Request): ConnectionInfo {
  return infos.get(request) ?? { remoteAddress: '', peer: { authorized: false, subjectCn: undefined, raw: undefined } };
}

/**
 * PROXY protocol version 2 header parsing (the binary form HAProxy sends with `send-proxy-v2`):
 * 12-byte signature, version/command byte (0x20 LOCAL, 0x21 PROXY), family/transport byte, 2-byte
 * big-endian length of the address block, then for TCP over IPv4 source and destination addresses
 * (4 + 4 bytes) and ports (2 + 2), for IPv6 16 + 16 and two ports. TLVs after the addresses are skipped.
 */
export const PROXY_V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const HEADER_FIXED = 16;
/** Largest address block accepted (addresses plus TLVs); HAProxy's own headers are far below. */
export const PROXY_V2_MAX_BLOCK = 1024;

export type ProxyHeader =
  | { kind: 'incomplete' }
  | { kind: 'invalid'; reason: string }
  /** LOCAL: the proxy speaks for itself (health checks); no client address. */
  | { kind: 'local'; length: number }
  | { kind: 'proxy'; address: string; port: number; length: number };

/** True when the bytes seen so far could still be (or are) the start of a PROXY header of either version. */
export function looksLikeProxyHeader(buf: Uint8Array): boolean {
  const n = Math.min(buf.length, PROXY_V2_SIGNATURE.length);
  if (n > 0 && Buffer.from(buf.subarray(0, n)).equals(PROXY_V2_SIGNATURE.subarray(0, n))) return true;
  const v1 = Buffer.from('PROXY ');
  const m = Math.min(buf.length, v1.length);
  return m > 0 && Buffer.from(buf.subarray(0, m)).equals(v1.subarray(0, m));
}

/** Parses a header at the start of `buf`; `length` is how many bytes it took. */
export function parseProxyV2(buf: Uint8Array): ProxyHeader {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const sigLen = Math.min(b.length, PROXY_V2_SIGNATURE.length);
  if (!b.subarray(0, sigLen).equals(PROXY_V2_SIGNATURE.subarray(0, sigLen))) return { kind: 'invalid', reason: 'no PROXY v2 signature' };
  if (b.length < HEADER_FIXED) return { kind: 'incomplete' };
  const versionCommand = b[12]!;
  if (versionCommand >> 4 !== 2) return { kind: 'invalid', reason: 'unsupported PROXY protocol version' };
  const command = versionCommand & 0x0f;
  const block = b.readUInt16BE(14);
  if (block > PROXY_V2_MAX_BLOCK) return { kind: 'invalid', reason: 'PROXY header too long' };
  const length = HEADER_FIXED + block;
  if (b.length < length) return { kind: 'incomplete' };
  if (command === 0) return { kind: 'local', length };
  if (command !== 1) return { kind: 'invalid', reason: 'unknown PROXY command' };
  const family = b[13]!;
  if (family === 0x11 || family === 0x12) {
    if (block < 12) return { kind: 'invalid', reason: 'short IPv4 address block' };
    return { kind: 'proxy', address: [...b.subarray(16, 20)].join('.'), port: b.readUInt16BE(24), length };
  }
  if (family === 0x21 || family === 0x22) {
    if (block < 36) return { kind: 'invalid', reason: 'short IPv6 address block' };
    const groups = [];
    for (let i = 0; i < 8; i++) groups.push(b.readUInt16BE(16 + i * 2).toString(16));
    return { kind: 'proxy', address: compressIpv6(groups), port: b.readUInt16BE(48), length };
  }
  // AF_UNSPEC or unix sockets: the proxy did not know a client address; treat like LOCAL.
  return { kind: 'local', length };
}

/** Builds a header (tests, and anything that must speak to a director behind a trusted address). */
export function buildProxyV2(source: { address: string; port: number } | 'local', dest = { address: '127.0.0.1', port: 0 }): Buffer {
  if (source === 'local') return Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([0x20, 0x00, 0x00, 0x00])]);
  const body = Buffer.alloc(12);
  source.address.split('.').forEach((o, i) => body.writeUInt8(Number(o), i));
  dest.address.split('.').forEach((o, i) => body.writeUInt8(Number(o), 4 + i));
  body.writeUInt16BE(source.port, 8);
  body.writeUInt16BE(dest.port, 10);
  return Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([0x21, 0x11, 0x00, 12]), body]);
}

function compressIpv6(groups: string[]): string {
  const text = groups.join(':');
  if (text.startsWith('0:0:0:0:0:ffff:')) {
    const hi = parseInt(groups[6]!, 16);
    const lo = parseInt(groups[7]!, 16);
    return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  // Longest run of zero groups becomes "::".
  let best = [-1, 0];
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best[1]! && j - i > 1) best = [i, j - i];
    i = j;
  }
  if (best[0]! < 0) return text;
  return `${groups.slice(0, best[0]).join(':')}::${groups.slice(best[0]! + best[1]!).join(':')}`;
}

/**
 * A tiny DER writer: just the types an Ed25519 PKCS#10 request needs. Lets the agent build its CSR
 * without loading pkijs (which alone costs ~16 MB of resident memory).
 */
function length(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(parts);
  return new Uint8Array(Buffer.concat([Uint8Array.of(tag), length(body.length), body]));
}

export const sequence = (...parts: Uint8Array[]) => tlv(0x30, ...parts);
export const set = (...parts: Uint8Array[]) => tlv(0x31, ...parts);
export const integer0 = () => tlv(0x02, Uint8Array.of(0));
export const utf8String = (s: string) => tlv(0x0c, new TextEncoder().encode(s));
/** A BIT STRING with no unused bits. */
export const bitString = (bytes: Uint8Array) => tlv(0x03, Uint8Array.of(0), bytes);
/** [0] IMPLICIT, constructed (PKCS#10 attributes). */
export const context0 = (...parts: Uint8Array[]) => tlv(0xa0, ...parts);

export function oid(dotted: string): Uint8Array {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a! + b!];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(out));
}

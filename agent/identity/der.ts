/**
 * A tiny DER writer: just the types an Ed25519 PKCS#10 request needs. Lets the agent build its CSR
 * without loading pkijs (which alone costs ~16 MB of resident memory).
 */
function length(byteCount: number): Uint8Array {
  if (byteCount < 0x80) return Uint8Array.of(byteCount);
  const bytes: number[] = [];
  for (let remaining = byteCount; remaining > 0; remaining >>= 8) bytes.unshift(remaining & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(parts);
  return new Uint8Array(Buffer.concat([Uint8Array.of(tag), length(body.length), body]));
}

export const sequence = (...parts: Uint8Array[]) => tlv(0x30, ...parts);
export const set = (...parts: Uint8Array[]) => tlv(0x31, ...parts);
export const integer0 = () => tlv(0x02, Uint8Array.of(0));
export const utf8String = (text: string) => tlv(0x0c, new TextEncoder().encode(text));
/** A BIT STRING with no unused bits. */
export const bitString = (bytes: Uint8Array) => tlv(0x03, Uint8Array.of(0), bytes);
/** [0] IMPLICIT, constructed (PKCS#10 attributes). */
export const context0 = (...parts: Uint8Array[]) => tlv(0xa0, ...parts);

export function oid(dotted: string): Uint8Array {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const out = [40 * first! + second!];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let remaining = arc >> 7; remaining > 0; remaining >>= 7) chunk.unshift((remaining & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(out));
}

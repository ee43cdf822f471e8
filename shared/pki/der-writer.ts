/**
 * A minimal DER writer: elements, OIDs, the two X.509 time types, and the few types an Ed25519 PKCS#10
 * request needs. The director's agent-certificate template and the agent's request are written with
 * it, without loading pkijs (which alone costs ~16 MB of resident memory).
 */

/** One element: tag, definite minimal length, then the parts as its contents. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const lengthBytes: number[] = [];
  if (length < 0x80) lengthBytes.push(length);
  else {
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest & 0xff);
    lengthBytes.unshift(0x80 | lengthBytes.length);
  }
  const out = new Uint8Array(1 + lengthBytes.length + length);
  out[0] = tag;
  out.set(lengthBytes, 1);
  let at = 1 + lengthBytes.length;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** UTF-8 bytes (ASCII for the time types). */
const ascii = (text: string) => new TextEncoder().encode(text);

/** RFC 5280 4.1.2.5: UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime (YYYYMMDDHHMMSSZ) from 2050; whole seconds. */
export function x509Time(date: Date): Uint8Array {
  const year = date.getUTCFullYear();
  const rest = [date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()].map((part) => String(part).padStart(2, '0')).join('');
  if (year >= 1950 && year < 2050) return tlv(0x17, ascii(`${String(year % 100).padStart(2, '0')}${rest}Z`));
  return tlv(0x18, ascii(`${String(year).padStart(4, '0')}${rest}Z`));
}

/** An OBJECT IDENTIFIER from dotted text. */
export function oid(dotted: string): Uint8Array {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes: number[] = [];
  for (const arc of [40 * first! + second!, ...rest]) {
    const chunk = [arc & 0x7f];
    for (let remaining = Math.floor(arc / 128); remaining > 0; remaining = Math.floor(remaining / 128)) chunk.unshift((remaining & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(bytes));
}

export const sequence = (...parts: Uint8Array[]) => tlv(0x30, ...parts);
export const set = (...parts: Uint8Array[]) => tlv(0x31, ...parts);
export const integer0 = () => tlv(0x02, Uint8Array.of(0));
export const utf8String = (text: string) => tlv(0x0c, ascii(text));
/** A BIT STRING with no unused bits. */
export const bitString = (bytes: Uint8Array) => tlv(0x03, Uint8Array.of(0), bytes);
/** [0] IMPLICIT, constructed (PKCS#10 attributes). */
export const context0 = (...parts: Uint8Array[]) => tlv(0xa0, ...parts);

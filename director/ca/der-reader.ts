/**
 * A strict DER reader: only what the director reads from untrusted requests (one-byte tags, definite
 * minimal lengths of at most 4 bytes, every element inside its parent). Anything else throws, so a
 * caller can turn any failure into one "not a valid request" answer.
 */

/** One element: its tag, where its contents start, and where it ends (exclusive), as offsets into the bytes. */
export interface DerElement {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

export const TAG = { integer: 0x02, bitString: 0x03, octetString: 0x04, oid: 0x06, sequence: 0x30, set: 0x31, context0: 0xa0 } as const;

/** Reads the element at `at`, which must end by `limit`; with `tag`, the element must carry that tag. */
export function readElement(der: Uint8Array, at: number, limit: number, tag?: number): DerElement {
  if (at + 2 > limit) throw new Error('DER: element runs past its parent');
  const found = der[at]!;
  if ((found & 0x1f) === 0x1f) throw new Error('DER: multi-byte tags are not used here');
  if (tag !== undefined && found !== tag) throw new Error(`DER: expected tag 0x${tag.toString(16)}, found 0x${found.toString(16)}`);
  const first = der[at + 1]!;
  let length = first;
  let contentStart = at + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    // 0x80 is BER's indefinite length; more than 4 bytes is more than any request here could hold.
    if (count === 0 || count > 4 || contentStart + count > limit) throw new Error('DER: unsupported length');
    if (der[contentStart] === 0) throw new Error('DER: length not minimal');
    length = 0;
    for (let index = 0; index < count; index++) length = length * 256 + der[contentStart + index]!;
    if (length < 0x80) throw new Error('DER: length not minimal');
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new Error('DER: element runs past its parent');
  return { tag: found, start: at, contentStart, end };
}

/** The elements inside a constructed element, which must fill it exactly. */
export function childrenOf(der: Uint8Array, parent: DerElement): DerElement[] {
  const children: DerElement[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = readElement(der, at, parent.end);
    children.push(child);
    at = child.end;
  }
  return children;
}

export const contentOf = (der: Uint8Array, element: DerElement) => der.subarray(element.contentStart, element.end);
export const bytesOf = (der: Uint8Array, element: DerElement) => der.subarray(element.start, element.end);

/** An OBJECT IDENTIFIER element as dotted text. */
export function oidOf(der: Uint8Array, element: DerElement): string {
  if (element.tag !== TAG.oid || element.end === element.contentStart) throw new Error('DER: expected an object identifier');
  const arcs: number[] = [];
  let value = 0;
  for (let at = element.contentStart; at < element.end; at++) {
    const byte = der[at]!;
    if (value === 0 && byte === 0x80) throw new Error('DER: object identifier not minimal');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new Error('DER: object identifier arc too large');
    if (byte & 0x80) continue;
    arcs.push(value);
    value = 0;
  }
  if (der[element.end - 1]! & 0x80) throw new Error('DER: object identifier cut short');
  const first = arcs.shift()!;
  const top = first < 40 ? 0 : first < 80 ? 1 : 2;
  return [top, first - 40 * top, ...arcs].join('.');
}

/** A BIT STRING of whole bytes (keys and signatures are), without its leading unused-bits count, which must be 0. */
export function bitStringBytes(der: Uint8Array, element: DerElement): Uint8Array {
  if (element.tag !== TAG.bitString || element.end === element.contentStart || der[element.contentStart] !== 0) throw new Error('DER: expected a bit string of whole bytes');
  return der.subarray(element.contentStart + 1, element.end);
}

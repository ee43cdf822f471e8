import { describe, expect, test } from 'bun:test';
import { bitStringBytes, childrenOf, oidOf, readElement } from './der-reader.ts';
import { oid, tlv } from '../../shared/pki/der-writer.ts';

const read = (bytes: number[]) => {
  const der = Uint8Array.from(bytes);
  return readElement(der, 0, der.length);
};

describe('the strict DER reader', () => {
  test('ok: short and long lengths, children that fill their parent, object identifiers both ways', () => {
    expect(read([0x04, 0x01, 0xaa])).toEqual({ tag: 0x04, start: 0, contentStart: 2, end: 3 });
    const long = tlv(0x04, new Uint8Array(300));
    expect(readElement(long, 0, long.length)).toEqual({ tag: 0x04, start: 0, contentStart: 4, end: 304 });
    const pair = tlv(0x30, oid('2.5.4.3'), tlv(0x0c, new Uint8Array(2)));
    expect(childrenOf(pair, readElement(pair, 0, pair.length)).map((child) => child.tag)).toEqual([0x06, 0x0c]);
    for (const dotted of ['1.3.101.112', '2.5.29.35', '1.2.840.113549.1.1.11', '2.999.4294967296']) {
      const der = oid(dotted);
      expect(oidOf(der, readElement(der, 0, der.length))).toBe(dotted);
    }
  });

  test('rejects: indefinite, non-minimal, over-long or overrunning lengths, multi-byte tags', () => {
    for (const bytes of [[0x30, 0x80, 0, 0], [0x04, 0x81, 0x01, 0], [0x04, 0x82, 0x00, 0x80], [0x04, 0x85, 1, 0, 0, 0, 0], [0x04, 0x02, 0], [0x1f, 0x81, 0x01, 0x00], [0x04]]) {
      expect(() => read(bytes)).toThrow('DER');
    }
    const parent = Uint8Array.of(0x30, 0x03, 0x04, 0x02, 0xaa, 0xbb);
    expect(() => childrenOf(parent, readElement(parent, 0, 5))).toThrow('DER');
  });

  test('rejects: object identifiers cut short or padded, bit strings with unused bits', () => {
    for (const bytes of [
      [0x06, 0x01, 0x81],
      [0x06, 0x02, 0x2b, 0x80],
      [0x06, 0x02, 0x80, 0x01],
      [0x06, 0x00],
    ]) {
      const der = Uint8Array.from(bytes);
      expect(() => oidOf(der, readElement(der, 0, der.length))).toThrow('object identifier');
    }
    const bits = Uint8Array.of(0x03, 0x02, 0x01, 0xfe);
    expect(() => bitStringBytes(bits, readElement(bits, 0, bits.length))).toThrow('bit string');
  });
});

import { describe, expect, test } from 'bun:test';
import { buildProxyV2, looksLikeProxyHeader, parseProxyV2, PROXY_V2_SIGNATURE } from './proxy-protocol.ts';

describe('PROXY protocol v2 parser', () => {
  test('ok: IPv4 PROXY header with the bytes after it left alone', () => {
    const h = buildProxyV2({ address: '192.0.2.7', port: 51234 }, { address: '10.0.0.1', port: 8445 });
    const withTls = Buffer.concat([h, Buffer.from([0x16, 0x03, 0x01])]);
    expect(parseProxyV2(withTls)).toEqual({ kind: 'proxy', address: '192.0.2.7', port: 51234, length: 28 });
  });

  test('ok: every prefix shorter than the header is incomplete (a header split across reads)', () => {
    const h = buildProxyV2({ address: '192.0.2.7', port: 1 });
    for (let n = 1; n < h.length; n++) expect(parseProxyV2(h.subarray(0, n)).kind).toBe('incomplete');
  });

  test('ok: LOCAL (health checks) carries no client address', () => {
    expect(parseProxyV2(buildProxyV2('local'))).toEqual({ kind: 'local', length: 16 });
  });

  test('ok: IPv6 addresses, TLVs skipped', () => {
    const body = Buffer.alloc(36 + 7);
    Buffer.from('20010db8000000000000000000000001', 'hex').copy(body, 0);
    body.writeUInt16BE(4433, 32);
    const h = Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([0x21, 0x21, 0x00, body.length]), body]);
    expect(parseProxyV2(h)).toEqual({ kind: 'proxy', address: '2001:db8::1', port: 4433, length: 16 + 43 });
  });

  test('rejects: wrong signature, version, command and oversized blocks', () => {
    expect(parseProxyV2(Buffer.from([0x16, 0x03, 0x01])).kind).toBe('invalid');
    const h = buildProxyV2({ address: '192.0.2.7', port: 1 });
    expect(parseProxyV2(Buffer.concat([h.subarray(0, 12), Buffer.from([0x11]), h.subarray(13)]))).toMatchObject({ kind: 'invalid', reason: 'unsupported PROXY protocol version' });
    expect(parseProxyV2(Buffer.concat([h.subarray(0, 12), Buffer.from([0x2f]), h.subarray(13)]))).toMatchObject({ kind: 'invalid', reason: 'unknown PROXY command' });
    expect(parseProxyV2(Buffer.concat([h.subarray(0, 14), Buffer.from([0xff, 0xff])]))).toMatchObject({ kind: 'invalid', reason: 'PROXY header too long' });
  });

  test('ok: the start of a v1 or v2 header is recognised, a TLS ClientHello is not', () => {
    expect(looksLikeProxyHeader(Buffer.from([0x0d, 0x0a]))).toBe(true);
    expect(looksLikeProxyHeader(Buffer.from('PROXY TCP4 '))).toBe(true);
    expect(looksLikeProxyHeader(Buffer.from([0x16, 0x03, 0x01]))).toBe(false);
  });
});

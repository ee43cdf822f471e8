import { describe, expect, test } from 'bun:test';
import radius from 'radius';
import { encodeAccessRequest, verifyAndDecode } from './radius-packet.ts';
import { parseServer } from './radius.ts';

const secret = 'shared-secret';
const request = () => encodeAccessRequest({ secret, username: 'alice', password: 'pw', nasIdentifier: 'dcvix', state: Buffer.from('st') });

/** A server's reply built with the package itself (adds Message-Authenticator when the request had one). */
function reply(req: Buffer, code: string, replySecret = secret): Buffer {
  return radius.encode_response({ packet: radius.decode({ packet: req, secret: replySecret }), code, secret: replySecret, attributes: [['Reply-Message', 'hi']] });
}

describe('radius packets', () => {
  test('ok: a request carries the attributes and a Message-Authenticator; an authentic reply decodes', () => {
    const { packet } = request();
    const decoded = radius.decode({ packet, secret });
    expect(decoded.attributes).toMatchObject({ 'User-Name': 'alice', 'User-Password': 'pw', 'NAS-Identifier': 'dcvix' });
    expect(decoded.attributes['Message-Authenticator']).toBeDefined();
    expect(verifyAndDecode(packet, reply(packet, 'Access-Accept'), secret)?.code).toBe('Access-Accept');
  });

  test('rejects: a reply under another secret, a tampered reply, one for another request', () => {
    const { packet } = request();
    const good = reply(packet, 'Access-Accept');
    const tampered = Buffer.from(good);
    tampered[tampered.length - 1]! ^= 1;
    expect(verifyAndDecode(packet, tampered, secret)).toBeUndefined();
    expect(verifyAndDecode(request().packet, good, secret)).toBeUndefined();
    expect(verifyAndDecode(packet, good.subarray(0, 10), secret)).toBeUndefined();
  });

  test('ok: server addresses with and without port', () => {
    expect(parseServer('10.0.0.5')).toEqual({ host: '10.0.0.5', port: 1812 });
    expect(parseServer('radius.example.com:1645')).toEqual({ host: 'radius.example.com', port: 1645 });
    expect(parseServer('[::1]:1812')).toEqual({ host: '::1', port: 1812 });
    expect(() => parseServer('host:99999')).toThrow();
  });
});

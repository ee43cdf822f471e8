/**
 * RADIUS packets through the `radius` package, made safe to embed and strict to verify:
 * - its RFC dictionaries are imported as text, so a `bun build --compile` binary needs no files on disk;
 * - responses are checked with radius.verify_response AND a byte-exact check of the response
 *   authenticator and Message-Authenticator (the package compares digests as UTF-8 strings, which is
 *   lossy). A response without Message-Authenticator is refused (BlastRADIUS, CVE-2024-3596).
 */
import radius, { type DecodedPacket } from 'radius';
import d2865 from 'radius/dictionaries/dictionary.rfc2865' with { type: 'text' };
import d2869 from 'radius/dictionaries/dictionary.rfc2869' with { type: 'text' };
import { createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto';

let loaded = false;
radius.load_dictionaries = () => {
  if (loaded) return;
  loaded = true;
  radius._load_dictionary(d2865);
  radius._load_dictionary(d2869);
};

export interface AccessRequest {
  secret: string;
  username: string;
  password: string;
  nasIdentifier: string;
  callingStationId?: string;
  state?: Buffer;
}

/** An Access-Request (PAP) with a Message-Authenticator; the same bytes are resent on retries. */
export function encodeAccessRequest(request: AccessRequest): { packet: Buffer; identifier: number } {
  const identifier = randomInt(256);
  const attributes: [string, unknown][] = [
    ['User-Name', request.username],
    ['User-Password', request.password],
    ['NAS-Identifier', request.nasIdentifier],
  ];
  if (request.callingStationId) attributes.push(['Calling-Station-Id', request.callingStationId]);
  if (request.state) attributes.push(['State', request.state]);
  const packet = radius.encode({ code: 'Access-Request', secret: request.secret, identifier, attributes, add_message_authenticator: true });
  return { packet, identifier };
}

/** The decoded response when it is authentic for this request, else undefined. */
export function verifyAndDecode(request: Buffer, response: Buffer, secret: string): DecodedPacket | undefined {
  if (response.length < 20 || response[1] !== request[1]) return undefined;
  if (response.readUInt16BE(2) !== response.length) return undefined;
  if (!strictResponseCheck(request, response, secret)) return undefined;
  try {
    // verify_response restores its input, but work on a copy anyway.
    if (!radius.verify_response({ request, response: Buffer.from(response), secret })) return undefined;
    return radius.decode({ packet: response, secret });
  } catch {
    // A packet the library cannot read is no answer from our server: the caller waits for the real one.
    return undefined;
  }
}

function strictResponseCheck(request: Buffer, response: Buffer, secret: string): boolean {
  const requestAuth = request.subarray(4, 20);
  const copy = Buffer.from(response);
  requestAuth.copy(copy, 4);
  const expected = createHash('md5').update(copy).update(secret).digest();
  if (!timingSafeEqual(expected, response.subarray(4, 20))) return false;
  const ma = findAttribute(response, 80);
  if (ma?.length !== 16) return false;
  copy.fill(0, ma.offset, ma.offset + 16);
  const hmac = createHmac('md5', secret).update(copy).digest();
  return timingSafeEqual(hmac, response.subarray(ma.offset, ma.offset + 16));
}

/** Offset and length of the value of the only attribute of `type`; undefined when absent or repeated. */
function findAttribute(packet: Buffer, type: number): { offset: number; length: number } | undefined {
  let found: { offset: number; length: number } | undefined;
  for (let index = 20; index + 2 <= packet.length; ) {
    const len = packet[index + 1]!;
    if (len < 2 || index + len > packet.length) return undefined;
    if (packet[index] === type) {
      if (found) return undefined;
      found = { offset: index + 2, length: len - 2 };
    }
    index += len;
  }
  return found;
}

/** A single string attribute of a decoded packet ("Reply-Message" may repeat: joined by newlines). */
export function textAttribute(packet: DecodedPacket, name: string): string | undefined {
  const value = packet.attributes[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).map(String).join('\n');
}

/** A binary attribute (State) of a decoded packet. */
export function bufferAttribute(packet: DecodedPacket, name: string): Buffer | undefined {
  const value = packet.attributes[name];
  const one = Array.isArray(value) ? value[0] : value;
  return Buffer.isBuffer(one) ? one : undefined;
}

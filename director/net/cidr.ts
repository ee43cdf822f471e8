import { isIP } from 'node:net';

/** A parsed CIDR block (IPv4 or IPv6). */
export interface CidrBlock {
  bytes: Uint8Array;
  prefix: number;
}

function ipBytes(ip: string): Uint8Array | undefined {
  const family = isIP(ip);
  if (family === 4) return new Uint8Array(ip.split('.').map(Number));
  if (family !== 6) return undefined;
  const [head, tail = ''] = ip.split('::');
  const parse = (s: string) => (s ? s.split(':') : []);
  let headGroups = parse(head!);
  let tailGroups = parse(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const last = (ip.includes('::') ? tailGroups : headGroups).at(-1);
  if (last?.includes('.')) {
    const octets = last.split('.').map(Number);
    const groups = [((octets[0]! << 8) | octets[1]!).toString(16), ((octets[2]! << 8) | octets[3]!).toString(16)];
    if (ip.includes('::')) tailGroups = [...tailGroups.slice(0, -1), ...groups];
    else headGroups = [...headGroups.slice(0, -1), ...groups];
  }
  const groups = ip.includes('::') ? [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups] : headGroups;
  const out = new Uint8Array(16);
  groups.forEach((group, index) => {
    const word = parseInt(group, 16);
    out[index * 2] = word >> 8;
    out[index * 2 + 1] = word & 0xff;
  });
  return out;
}

/** Parses "10.0.0.0/8", "::1/128" or a bare address; throws on nonsense (config validation). */
export function parseCidr(text: string): CidrBlock {
  const [addr, bits] = text.split('/');
  const bytes = ipBytes(addr ?? '');
  if (!bytes) throw new Error(`not an IP address or CIDR: ${text}`);
  const prefix = bits === undefined ? bytes.length * 8 : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bytes.length * 8) throw new Error(`bad prefix length: ${text}`);
  return { bytes, prefix };
}

/** True when `ip` lies in one of the blocks. */
export function inAllowList(ip: string, blocks: readonly CidrBlock[]): boolean {
  const bytes = ipBytes(ip);
  if (!bytes) return false;
  return blocks.some((block) => {
    if (block.bytes.length !== bytes.length) return false;
    for (let bit = 0; bit < block.prefix; bit++) {
      const mask = 0x80 >> (bit & 7);
      if ((block.bytes[bit >> 3]! & mask) !== (bytes[bit >> 3]! & mask)) return false;
    }
    return true;
  });
}

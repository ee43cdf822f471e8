import { isIP } from 'node:net';

/** A parsed CIDR block (IPv4 or IPv6). */
export interface CidrBlock {
  bytes: Uint8Array;
  prefix: number;
}

function ipBytes(ip: string): Uint8Array | undefined {
  const v = isIP(ip);
  if (v === 4) return new Uint8Array(ip.split('.').map(Number));
  if (v !== 6) return undefined;
  const [head, tail = ''] = ip.split('::');
  const parse = (s: string) => (s ? s.split(':') : []);
  let h = parse(head!);
  let t = parse(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const last = (ip.includes('::') ? t : h).at(-1);
  if (last?.includes('.')) {
    const b = last.split('.').map(Number);
    const groups = [((b[0]! << 8) | b[1]!).toString(16), ((b[2]! << 8) | b[3]!).toString(16)];
    if (ip.includes('::')) t = [...t.slice(0, -1), ...groups];
    else h = [...h.slice(0, -1), ...groups];
  }
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
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
  return blocks.some((b) => {
    if (b.bytes.length !== bytes.length) return false;
    for (let bit = 0; bit < b.prefix; bit++) {
      const mask = 0x80 >> (bit & 7);
      if ((b.bytes[bit >> 3]! & mask) !== (bytes[bit >> 3]! & mask)) return false;
    }
    return true;
  });
}

import { isIP } from 'node:net';
import type { FieldParser } from '../../shared/config-schema.ts';
import { parseCidr, type CidrBlock } from '../net/cidr.ts';

/** 32 key bytes from hex or base64, or undefined when the text is neither. */
export function parseTokenKey(text: string): Uint8Array | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) return new Uint8Array(bytes);
  }
  return undefined;
}

/** A 32-byte key written as 64 hex characters or base64, parsed to its bytes; "" = no key. */
export const keyBytes: FieldParser<Uint8Array | undefined> = (value) => {
  if (value === '') return undefined;
  const key = typeof value === 'string' ? parseTokenKey(value) : undefined;
  if (!key) throw new Error('must be 32 bytes as 64 hex characters or base64');
  return key;
};

/** One required 32-byte key (list items: an empty entry is a mistake, not "no key"). */
export const requiredKeyBytes: FieldParser<Uint8Array> = (value) => {
  const key = keyBytes(value);
  if (!key) throw new Error('must be 32 bytes as 64 hex characters or base64');
  return key;
};

/** An IP address or CIDR block ("10.0.0.0/8", "::1/128"), parsed for allow-list checks. */
export const cidr: FieldParser<CidrBlock> = (value) => {
  if (typeof value !== 'string') throw new Error('must be a string');
  try {
    return parseCidr(value);
  } catch {
    throw new Error(`"${value}" is not an IP address or CIDR block`);
  }
};

/** Defaults written as text, parsed like configured values. */
export const cidrs = (...texts: string[]): CidrBlock[] => texts.map(parseCidr);

const DNS_NAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** A name for the director's certificate: a DNS name or an IPv4 address (not "999.1.1.1", not "a b"). */
export const certificateName: FieldParser<string> = (value) => {
  if (typeof value !== 'string') throw new Error('must be a string');
  const looksNumeric = /^[\d.]+$/.test(value);
  if (looksNumeric ? isIP(value) !== 4 : !DNS_NAME.test(value)) throw new Error(`"${value}" is not a DNS name or an IPv4 address`);
  return value;
};

/**
 * The address users reach the web app by: an https origin ("https://dcv.example.com" or with a port),
 * parsed to its canonical form (no path, query or trailing slash); "" = not configured.
 */
export const publicUrl: FieldParser<string> = (value) => {
  if (value === '') return '';
  if (typeof value !== 'string') throw new Error('must be a string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`"${value}" is not a URL`);
  }
  if (url.protocol !== 'https:') throw new Error('must be an https:// URL (browsers allow passkeys only on secure origins)');
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new Error('must be an origin only: scheme, host and optional port, no path, query or credentials');
  }
  return url.origin;
};

/** A table of text values (`{ hd = "example.com", tenant = "abc" }`). */
export const stringTable: FieldParser<Readonly<Record<string, string>>> = (value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('must be a table of strings');
  for (const [key, text] of Object.entries(value)) if (typeof text !== 'string') throw new Error(`"${key}" must be a string`);
  return Object.freeze({ ...(value as Record<string, string>) });
};

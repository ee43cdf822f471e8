import { field, list, section, str, type ConfigOf, type FieldParser } from '../../shared/config-schema.ts';
import type { CidrBlock } from '../net/cidr.ts';
import { cidr } from './typed-fields.ts';

/** An HTTP header name (RFC 9110 token), kept in lower case; "" = not set. */
export const headerName: FieldParser<string> = (value) => {
  if (typeof value !== 'string') throw new Error('must be a string');
  if (value !== '' && !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(value)) throw new Error(`"${value}" is not an HTTP header name`);
  return value.toLowerCase();
};

/**
 * [auth.header]: sign-in by a header an authenticating proxy in front sets (oauth2-proxy, Apache
 * mod_auth_mellon for SAML). Honoured only on connections from `trusted` (its own list: trusted_proxies
 * means "a PROXY protocol header is required", a different promise). Example:
 *   [auth.header]  user_header = "X-Forwarded-User"  groups_header = "X-Forwarded-Groups"  trusted = ["10.0.5.10/32"]
 */
export const headerAuthSchema = section({
  /** The header naming the user; "" = header sign-in off. */
  user_header: field('', headerName),
  /** Optional header listing the user's groups (fed into the policy's groups, as LDAP groups are). */
  groups_header: field('', headerName),
  /** What separates groups in groups_header. */
  groups_separator: field(',', str),
  /** Addresses of the proxies allowed to set these headers (the connection's peer, or a PROXY v2 header's source). */
  trusted: field<CidrBlock[]>([], list(cidr)),
});

export type HeaderAuthConfig = ConfigOf<typeof headerAuthSchema.section>;

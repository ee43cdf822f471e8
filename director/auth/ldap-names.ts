/**
 * DN helpers for the LDAP backend. Filters are built from ldapts filter objects (which escape values);
 * DNs built from a template need RFC 4514 escaping of the substituted value, done here.
 */

/** Escapes an attribute value for use inside a DN (RFC 4514 section 2.4). */
export function escapeDnValue(value: string): string {
  let out = '';
  for (let index = 0; index < value.length; index++) {
    const ch = value[index]!;
    const code = ch.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) out += `\\${code.toString(16).padStart(2, '0')}`;
    else if (',+"\\<>;='.includes(ch)) out += `\\${ch}`;
    else if ((index === 0 && (ch === ' ' || ch === '#')) || (index === value.length - 1 && ch === ' ')) out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/** Fills "{user}" in a DN template with the escaped user name. */
export function userDnFromTemplate(template: string, username: string): string {
  return template.replaceAll('{user}', escapeDnValue(username));
}

/** The value of a DN's first RDN ("cn=eng\\,ops,ou=groups,..." -> "eng,ops"), for group names from memberOf. */
export function firstRdnValue(dn: string): string {
  const bytes: number[] = [];
  const push = (text: string) => bytes.push(...Buffer.from(text, 'utf8'));
  for (let index = dn.indexOf('=') + 1; index < dn.length; index++) {
    const ch = dn[index]!;
    if (ch === ',' || ch === '+') break;
    if (ch === '\\' && index + 1 < dn.length) {
      const hex = dn.slice(index + 1, index + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        index += 2;
      } else push(dn[++index]!);
      continue;
    }
    push(ch);
  }
  return Buffer.from(bytes).toString('utf8').trim();
}

/** Attribute values of a search entry as strings (an attribute may be absent, single or multi-valued). */
export function attributeValues(entry: Record<string, unknown>, name: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : entry[key];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
}

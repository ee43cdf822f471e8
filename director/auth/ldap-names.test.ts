import { describe, expect, test } from 'bun:test';
import { attributeValues, escapeDnValue, firstRdnValue, userDnFromTemplate } from './ldap-names.ts';

describe('ldap names', () => {
  test('ok: RFC 4514 escaping of DN values', () => {
    expect(escapeDnValue('alice')).toBe('alice');
    expect(escapeDnValue('j,doe')).toBe('j\\,doe');
    expect(escapeDnValue('a+b=c;d<e>f"g\\h')).toBe('a\\+b\\=c\\;d\\<e\\>f\\"g\\\\h');
    expect(escapeDnValue(' #lead')).toBe('\\ #lead');
    expect(escapeDnValue('#x ')).toBe('\\#x\\ ');
    expect(escapeDnValue('nul\0')).toBe('nul\\00');
  });

  test('rejects: a name cannot add RDNs to the template', () => {
    expect(userDnFromTemplate('uid={user},ou=people,dc=x', 'a,ou=admins')).toBe('uid=a\\,ou\\=admins,ou=people,dc=x');
  });

  test('ok: first RDN value of memberOf DNs, unescaped', () => {
    expect(firstRdnValue('cn=engineers,ou=groups,dc=x')).toBe('engineers');
    expect(firstRdnValue('cn=eng\\,ops,ou=groups,dc=x')).toBe('eng,ops');
    expect(firstRdnValue('cn=caf\\c3\\a9,ou=groups')).toBe('café');
  });

  test('ok: attribute values are read case-insensitively as strings', () => {
    expect(attributeValues({ dn: 'x', memberOf: ['a', 'b'] }, 'memberof')).toEqual(['a', 'b']);
    expect(attributeValues({ dn: 'x', uid: Buffer.from('alice') }, 'uid')).toEqual(['alice']);
    expect(attributeValues({ dn: 'x' }, 'cn')).toEqual([]);
  });
});

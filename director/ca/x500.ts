/** X.500 names with pkijs: the director's CA builds and reads them. */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

const CN_OID = '2.5.4.3';

/** A Name with a single common name. */
export function nameWithCn(cn: string): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({
    typesAndValues: [new pkijs.AttributeTypeAndValue({ type: CN_OID, value: new asn1js.Utf8String({ value: cn }) })],
  });
}

/** The first common name of a Name, or undefined. */
export function commonName(name: pkijs.RelativeDistinguishedNames): string | undefined {
  const cn = name.typesAndValues.find((tv) => tv.type === CN_OID);
  return cn ? String(cn.value.valueBlock.value) : undefined;
}


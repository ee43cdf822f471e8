/** The parts of the untyped `radius` package (node-radius 1.x) the RADIUS backend uses. */
declare module 'radius' {
  type Attribute = [string | number, ...unknown[]];
  export interface DecodedPacket {
    code: string;
    identifier: number;
    length: number;
    attributes: Record<string, unknown>;
    raw_attributes: [number, Buffer][];
  }
  const radius: {
    encode(args: { code: string; secret: string; identifier?: number; attributes?: Attribute[]; add_message_authenticator?: boolean }): Buffer;
    decode(args: { packet: Buffer; secret: string }): DecodedPacket;
    encode_response(args: { packet: DecodedPacket; code: string; secret: string; attributes?: Attribute[] }): Buffer;
    verify_response(args: { request: Buffer; response: Buffer; secret: string }): boolean;
    load_dictionaries(): void;
    _load_dictionary(content: string): string[];
  };
  export default radius;
}

/** RFC dictionaries of the `radius` package, embedded as text so a compiled binary needs no files. */
declare module 'radius/dictionaries/*' {
  const text: string;
  export default text;
}

/**
 * HTTP/1.1 request heads and chunked bodies, read strictly (RFC 9112). The native TLS front
 * (native-front.ts) is internet-facing, so this reader takes one meaning of every request or refuses
 * it: anything two parsers could read two ways (both Content-Length and Transfer-Encoding, two
 * different lengths, folded or space-padded header names, bare LF, a coding other than `chunked`) is a
 * 400, never a guess. Pure functions over bytes; the front owns sockets, limits and time.
 */

/** A request head as read, before any body. */
export interface RequestHead {
  method: string;
  /** The request target as sent (origin form: path and query). */
  target: string;
  /** 1.0 or 1.1 (minor version). */
  minor: 0 | 1;
  /** Header fields in order, names lower-cased, values trimmed of surrounding spaces and tabs. */
  fields: [name: string, value: string][];
  /** How the body is framed: none, a length, or chunked. */
  body: { kind: 'none' } | { kind: 'length'; bytes: number } | { kind: 'chunked' };
  /** The connection ends after this request's answer (Connection: close, or HTTP/1.0 without keep-alive). */
  close: boolean;
  /** `Expect: 100-continue` was sent. */
  expectContinue: boolean;
  /** Bytes of the head, the blank line included. */
  headBytes: number;
}

/** Why a head was refused: 400 with MALFORMED_REQUEST, or 431 when it is too large. */
export class HeadError extends Error {
  constructor(
    message: string,
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Visible ASCII, spaces and tabs, and obs-text: what a field value may hold (no CR, LF or NUL). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Origin form (a path, then an optional query) or `*`; no fragment, no spaces, no control bytes. */
const ORIGIN_FORM = /^\/[\x21-\x7e]*$/;

const CRLF_CRLF = Buffer.from('\r\n\r\n');

/**
 * Reads the head at the start of `buffer`: undefined while it is incomplete (and still within
 * `maxBytes`), the head once its blank line has arrived, or a HeadError.
 */
export function parseHead(buffer: Buffer, maxBytes: number): RequestHead | undefined {
  // One empty line before a request line is ignored (RFC 9112 section 2.2: some clients send a CRLF
  // after a POST body); a second one is a malformed request line.
  if (buffer.length >= 2 && buffer[0] === 13 && buffer[1] === 10) {
    const head = parseHeadAtStart(buffer.subarray(2), maxBytes - 2);
    return head && { ...head, headBytes: head.headBytes + 2 };
  }
  return parseHeadAtStart(buffer, maxBytes);
}

function parseHeadAtStart(buffer: Buffer, maxBytes: number): RequestHead | undefined {
  const end = buffer.indexOf(CRLF_CRLF);
  if (end < 0) {
    if (buffer.length > maxBytes) throw new HeadError('request headers are too large', true);
    // A bare LF where CRLF belongs never turns into a head: refuse it as soon as it shows.
    if (hasBareLf(buffer)) throw new HeadError('malformed HTTP request');
    return undefined;
  }
  if (end + 4 > maxBytes) throw new HeadError('request headers are too large', true);
  const text = buffer.toString('latin1', 0, end);
  const lines = text.split('\r\n');
  const head = requestLine(lines[0]!);
  const fields: [string, string][] = [];
  for (const line of lines.slice(1)) fields.push(fieldLine(line));
  return { ...head, fields, ...framing(fields, head.minor), headBytes: end + 4 };
}

function hasBareLf(buffer: Buffer): boolean {
  let at = buffer.indexOf(10);
  while (at >= 0) {
    if (at === 0 || buffer[at - 1] !== 13) return true;
    at = buffer.indexOf(10, at + 1);
  }
  return false;
}

function requestLine(line: string): { method: string; target: string; minor: 0 | 1 } {
  const parts = line.split(' ');
  if (parts.length !== 3) throw new HeadError('malformed HTTP request');
  const [method, target, version] = parts as [string, string, string];
  // Methods are case-sensitive, and fetch's Request would turn `head` into HEAD: only upper case is taken.
  if (!TOKEN.test(method) || method !== method.toUpperCase()) throw new HeadError('malformed HTTP request');
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') throw new HeadError('malformed HTTP request');
  if (!(ORIGIN_FORM.test(target) || (target === '*' && method === 'OPTIONS'))) throw new HeadError('malformed HTTP request');
  if (target.includes('#')) throw new HeadError('malformed HTTP request');
  return { method, target, minor: version === 'HTTP/1.1' ? 1 : 0 };
}

function fieldLine(line: string): [string, string] {
  const colon = line.indexOf(':');
  // No colon, an empty name, or whitespace before the colon or at the start (obsolete folding).
  if (colon <= 0) throw new HeadError('malformed HTTP request');
  const name = line.slice(0, colon);
  if (!TOKEN.test(name)) throw new HeadError('malformed HTTP request');
  const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
  if (!FIELD_VALUE.test(value)) throw new HeadError('malformed HTTP request');
  return [name.toLowerCase(), value];
}

/** Body framing, connection persistence and Expect from the fields; anything ambiguous is refused. */
function framing(fields: [string, string][], minor: 0 | 1): Pick<RequestHead, 'body' | 'close' | 'expectContinue'> {
  let length: string | undefined;
  let coding: string | undefined;
  let host = 0;
  const connection: string[] = [];
  let expect: string | undefined;
  for (const [name, value] of fields) {
    if (name === 'content-length') {
      // Repeats (or a list) are taken only when every value is the same.
      for (const item of value.split(',')) {
        const one = item.trim();
        if (length !== undefined && one !== length) throw new HeadError('malformed HTTP request');
        length = one;
      }
    } else if (name === 'transfer-encoding') {
      coding = coding === undefined ? value : `${coding}, ${value}`;
    } else if (name === 'host') {
      host++;
    } else if (name === 'connection') {
      for (const token of value.split(',')) connection.push(token.trim().toLowerCase());
    } else if (name === 'expect') {
      expect = value.toLowerCase();
    }
  }
  if (minor === 1 && host !== 1) throw new HeadError('malformed HTTP request');
  if (host > 1) throw new HeadError('malformed HTTP request');
  if (expect !== undefined && expect !== '100-continue') throw new HeadError('malformed HTTP request');
  const close = connection.includes('close') || (minor === 0 && !connection.includes('keep-alive'));
  const expectContinue = expect === '100-continue' && minor === 1;
  if (coding !== undefined) {
    // Both framings at once is the classic smuggling shape; only a lone `chunked` is taken.
    if (length !== undefined || minor === 0 || coding.toLowerCase() !== 'chunked') throw new HeadError('malformed HTTP request');
    return { body: { kind: 'chunked' }, close, expectContinue };
  }
  if (length === undefined) return { body: { kind: 'none' }, close, expectContinue };
  if (!/^\d{1,15}$/.test(length)) throw new HeadError('malformed HTTP request');
  const bytes = Number(length);
  return { body: bytes === 0 ? { kind: 'none' } : { kind: 'length', bytes }, close, expectContinue };
}

/**
 * An incremental reader of a chunked body: feed it bytes, it keeps the data and says when the last
 * chunk and the trailer section have passed. Chunk extensions are skipped, trailers read and dropped.
 * Sizes are hex without sign or padding spaces; a size line or trailer longer than `maxLineBytes` is
 * refused, so a client cannot make it hold an endless line.
 */
export class ChunkedReader {
  private state: 'size' | 'data' | 'data-crlf' | 'trailer' | 'done' = 'size';
  private remaining = 0;
  private pending: Buffer | undefined;
  /** Data bytes received so far. */
  received = 0;
  /**
   * The data, copied into one buffer that doubles as it fills: never more than twice what was sent,
   * however small the chunks (a view per chunk would cost ~90 bytes for each one-byte chunk).
   */
  private data = Buffer.allocUnsafe(0);

  constructor(private readonly maxLineBytes = 4096) {}

  get done(): boolean {
    return this.state === 'done';
  }

  /** Takes `bytes`; returns how many were consumed (all of them until done; the rest belong to the next request). */
  feed(bytes: Buffer): number {
    const input = this.pending ? Buffer.concat([this.pending, bytes]) : bytes;
    const carried = this.pending?.length ?? 0;
    this.pending = undefined;
    let at = 0;
    while (at < input.length && this.state !== 'done') {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, input.length - at);
        this.keep(input.subarray(at, at + take));
        this.remaining -= take;
        at += take;
        if (this.remaining === 0) this.state = 'data-crlf';
        continue;
      }
      const lineEnd = input.indexOf('\r\n', at, 'latin1');
      if (lineEnd < 0) {
        if (input.length - at > this.maxLineBytes) throw new HeadError('malformed chunked body');
        if (input.indexOf(10, at) >= 0) throw new HeadError('malformed chunked body');
        this.pending = Buffer.from(input.subarray(at));
        at = input.length;
        break;
      }
      if (lineEnd - at > this.maxLineBytes) throw new HeadError('malformed chunked body');
      const line = input.toString('latin1', at, lineEnd);
      at = lineEnd + 2;
      if (line.includes('\n') || line.includes('\r')) throw new HeadError('malformed chunked body');
      if (this.state === 'data-crlf') {
        if (line !== '') throw new HeadError('malformed chunked body');
        this.state = 'size';
      } else if (this.state === 'size') {
        const size = line.split(';', 1)[0]!;
        if (!/^[0-9A-Fa-f]{1,12}$/.test(size)) throw new HeadError('malformed chunked body');
        this.remaining = Number.parseInt(size, 16);
        this.state = this.remaining === 0 ? 'trailer' : 'data';
      } else if (line === '') {
        this.state = 'done';
      } else if (line.indexOf(':') <= 0 || line[0] === ' ' || line[0] === '\t') {
        // A trailer field, read and dropped; folded (leading space) or nameless lines are refused.
        throw new HeadError('malformed chunked body');
      }
    }
    // Bytes carried over from an earlier feed are not part of this call's count.
    return Math.max(0, at - carried);
  }

  /** The body received so far (all of it once done). */
  body(): Buffer {
    return this.data.subarray(0, this.received);
  }

  private keep(bytes: Buffer): void {
    if (this.received + bytes.length > this.data.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.received + bytes.length, this.data.length * 2, 1024));
      this.data.copy(grown, 0, 0, this.received);
      this.data = grown;
    }
    bytes.copy(this.data, this.received);
    this.received += bytes.length;
  }
}

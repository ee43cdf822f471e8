/** The strict HTTP/1.1 reader: one meaning for every request head and chunked body, or a refusal. */
import { describe, expect, test } from 'bun:test';
import { ChunkedReader, HeadError, parseHead } from './h1-parser.ts';

const LIMIT = 16 * 1024;

/** Parses a head written with `\r\n` line ends as given. */
const head = (text: string, maxBytes = LIMIT) => parseHead(Buffer.from(text, 'latin1'), maxBytes);

/** The HeadError parsing `text` throws (fails the test when it parses). */
function refusal(text: string, maxBytes = LIMIT): HeadError {
  try {
    head(text, maxBytes);
  } catch (error) {
    expect(error).toBeInstanceOf(HeadError);
    return error as HeadError;
  }
  throw new Error(`parsed, expected a refusal: ${JSON.stringify(text)}`);
}

/** Expects a 400-kind refusal (malformed, not too large). */
const expectMalformed = (text: string) => expect(refusal(text).tooLarge, JSON.stringify(text)).toBe(false);

describe('parseHead', () => {
  test('ok: a simple GET, its fields in order with names lower-cased and values trimmed', () => {
    const text = 'GET /v1/health?x=1 HTTP/1.1\r\nHost: example.test\r\nX-Two:\t spaced \t\r\nAccept: */*\r\n\r\n';
    expect(head(text)).toEqual({
      method: 'GET',
      target: '/v1/health?x=1',
      minor: 1,
      fields: [
        ['host', 'example.test'],
        ['x-two', 'spaced'],
        ['accept', '*/*'],
      ],
      body: { kind: 'none' },
      close: false,
      expectContinue: false,
      headBytes: text.length,
    });
  });

  test('ok: headBytes stops at the blank line; body bytes and a pipelined request after it are left alone', () => {
    const first = 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n';
    const parsed = head(`${first}helloGET /b HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(parsed?.headBytes).toBe(first.length);
    expect(parsed?.body).toEqual({ kind: 'length', bytes: 5 });
  });

  test('ok: an incomplete head within the limit is undefined, at every cut', () => {
    const text = 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n';
    for (let cut = 0; cut < text.length; cut++) expect(head(text.slice(0, cut))).toBeUndefined();
    expect(head(text)).toBeDefined();
  });

  test('ok: Content-Length 0 is no body; a repeated identical Content-Length (fields or a list) is taken', () => {
    expect(head('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n')?.body).toEqual({ kind: 'none' });
    expect(head('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n')?.body).toEqual({ kind: 'length', bytes: 7 });
    expect(head('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 7, 7\r\n\r\n')?.body).toEqual({ kind: 'length', bytes: 7 });
  });

  test('ok: HTTP/1.0 closes unless it asks for keep-alive, and needs no Host', () => {
    expect(head('GET / HTTP/1.0\r\n\r\n')).toMatchObject({ minor: 0, close: true });
    expect(head('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n')).toMatchObject({ minor: 0, close: false });
    expect(head('GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n')?.close).toBe(true);
  });

  test('ok: HTTP/1.1 keeps the connection unless Connection lists close (any case, among other tokens)', () => {
    expect(head('GET / HTTP/1.1\r\nHost: x\r\n\r\n')?.close).toBe(false);
    expect(head('GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n')?.close).toBe(false);
    expect(head('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')?.close).toBe(true);
    expect(head('GET / HTTP/1.1\r\nHost: x\r\nConnection: TE, Close\r\n\r\n')?.close).toBe(true);
  });

  test('ok: Expect: 100-continue is noted on HTTP/1.1 (any case), ignored on HTTP/1.0', () => {
    expect(head('POST /a HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n')).toMatchObject({ expectContinue: true, body: { kind: 'length', bytes: 3 } });
    expect(head('POST /a HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n')?.expectContinue).toBe(false);
  });

  test('ok: Transfer-Encoding chunked (any case) on HTTP/1.1', () => {
    expect(head('POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n')?.body).toEqual({ kind: 'chunked' });
    expect(head('POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n')?.body).toEqual({ kind: 'chunked' });
  });

  test('ok: OPTIONS * and an empty Host value', () => {
    expect(head('OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n')).toMatchObject({ method: 'OPTIONS', target: '*' });
    expect(head('GET / HTTP/1.1\r\nHost:\r\n\r\n')?.fields).toEqual([['host', '']]);
  });

  test('rejects: Content-Length and Transfer-Encoding together, in either order', () => {
    expectMalformed('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n');
    expectMalformed('POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n');
  });

  test('rejects: two different Content-Lengths, as fields or as a list', () => {
    expectMalformed('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n');
    expectMalformed('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\n');
    expectMalformed('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5,\r\n\r\n');
  });

  test('rejects: a Content-Length that is not plain digits', () => {
    for (const value of ['+5', '-5', '5 5', '0x5', '5.0', '', 'five', '1234567890123456']) expectMalformed(`POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: ${value}\r\n\r\n`);
  });

  test('rejects: any coding but a lone chunked (gzip, chunked; chunked twice; identity; empty)', () => {
    for (const value of ['gzip, chunked', 'chunked, chunked', 'identity', 'chunked;q=1', '']) expectMalformed(`POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ${value}\r\n\r\n`);
    expectMalformed('POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n');
  });

  test('rejects: Transfer-Encoding on HTTP/1.0', () => {
    expectMalformed('POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n');
  });

  test('rejects: obsolete line folding, with a space or a tab, with or without a colon', () => {
    expectMalformed('GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n');
    expectMalformed('GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n\ttwo\r\n\r\n');
    expectMalformed('GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n X-B: two\r\n\r\n');
  });

  test('rejects: whitespace between a field name and its colon; a line with no colon or no name', () => {
    expectMalformed('GET / HTTP/1.1\r\nHost : x\r\n\r\n');
    expectMalformed('GET / HTTP/1.1\r\nHost\t: x\r\n\r\n');
    expectMalformed('GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n');
    expectMalformed('GET / HTTP/1.1\r\nHost: x\r\n: nameless\r\n\r\n');
    expectMalformed('GET / HTTP/1.1\r\nHost: x\r\nX(y): z\r\n\r\n');
  });

  test('rejects: a bare LF or CR, as the line end or inside a line, complete or not', () => {
    expectMalformed('GET / HTTP/1.1\nHost: x\n\n');
    expectMalformed('GET / HTTP/1.1\nHost: x\n');
    expectMalformed('\nGET / HTTP/1.1');
    expectMalformed('GET / HTTP/1.1\r\nHost: x\nX-A: y\r\n\r\n');
    expectMalformed('GET / HTTP/1.1\r\nHost: x\rX-A: y\r\n\r\n');
    expectMalformed('GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n');
  });

  test('rejects: HTTP/1.1 without Host, or with two', () => {
    expectMalformed('GET / HTTP/1.1\r\nAccept: */*\r\n\r\n');
    expectMalformed('GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n');
    expectMalformed('GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n');
  });

  test('rejects: a method that is not a token, an empty one, and a request line with more or fewer parts', () => {
    for (const line of ['G(T / HTTP/1.1', 'G\x01T / HTTP/1.1', ' / HTTP/1.1', 'GET  / HTTP/1.1', 'GET / HTTP/1.1 ', 'GET /', 'GET\t/ HTTP/1.1']) expectMalformed(`${line}\r\nHost: x\r\n\r\n`);
  });

  test('rejects: a target in absolute or authority form, with a fragment, a space or a control byte; * outside OPTIONS', () => {
    for (const target of ['http://x/', 'x:443', 'a', '/a#b', '/a b', '/a\x7fb', '/a\x01']) expectMalformed(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expectMalformed('GET * HTTP/1.1\r\nHost: x\r\n\r\n');
  });

  test('rejects: the HTTP/2 preface and any version but 1.0 and 1.1', () => {
    expectMalformed('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    for (const version of ['HTTP/2.0', 'HTTP/1.2', 'HTTP/0.9', 'http/1.1', 'HTTP/1.1x']) expectMalformed(`GET / ${version}\r\nHost: x\r\n\r\n`);
  });

  test('rejects: a method in lower or mixed case (methods are case-sensitive; fetch would read `head` as HEAD)', () => {
    for (const method of ['get', 'head', 'post', 'Get', 'gET']) expectMalformed(`${method} / HTTP/1.1\r\nHost: x\r\n\r\n`);
  });

  test('ok: one CRLF before the request line is skipped, counted in headBytes and in the limit', () => {
    const text = '\r\nGET /after-crlf HTTP/1.1\r\nHost: x\r\n\r\n';
    expect(head(text)).toMatchObject({ method: 'GET', target: '/after-crlf', headBytes: text.length });
    expect(head('\r\n')).toBeUndefined();
    expect(head('\r\nGET / HT')).toBeUndefined();
    expect(head(text, text.length)).toBeDefined();
    expect(refusal(text, text.length - 1).tooLarge).toBe(true);
  });

  test('rejects: two CRLFs before the request line', () => {
    expectMalformed('\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
  });

  test('rejects: an Expect other than 100-continue', () => {
    expectMalformed('POST /a HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\n');
  });

  test('rejects: a head over the limit is tooLarge, complete or still arriving', () => {
    const big = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2000)}\r\n\r\n`;
    expect(refusal(big, 1024).tooLarge).toBe(true);
    expect(refusal(big.slice(0, 1500), 1024).tooLarge).toBe(true);
    // Just within: the whole head, blank line included, is exactly the limit.
    expect(head(big, big.length)).toBeDefined();
    expect(refusal(big, big.length - 1).tooLarge).toBe(true);
  });
});

/** Feeds `body` to a fresh reader in pieces of `size` bytes; returns the reader and the bytes it said it used. */
function feedInPieces(body: string, size: number, maxLineBytes?: number): { reader: ChunkedReader; used: number } {
  const reader = new ChunkedReader(maxLineBytes);
  const bytes = Buffer.from(body, 'latin1');
  let used = 0;
  for (let at = 0; at < bytes.length; at += size) used += reader.feed(bytes.subarray(at, at + size));
  return { reader, used };
}

const dataOf = (reader: ChunkedReader) => reader.body().toString('latin1');

/** Expects feeding `body` (all at once) to throw a HeadError. */
function expectChunkRefusal(body: string, maxLineBytes?: number): void {
  expect(() => new ChunkedReader(maxLineBytes).feed(Buffer.from(body, 'latin1')), JSON.stringify(body.slice(0, 80))).toThrow(HeadError);
}

describe('ChunkedReader', () => {
  const body = '5;name=value\r\nhello\r\n7\r\n, world\r\nA;x;y="q"\r\n0123456789\r\n0\r\nX-Trailer: one\r\nX-Other: two\r\n\r\n';

  test('ok: chunks with extensions and trailers, fed at once: data kept, trailers dropped, every byte used', () => {
    const { reader, used } = feedInPieces(body, body.length);
    expect(reader.done).toBe(true);
    expect(dataOf(reader)).toBe('hello, world0123456789');
    expect(reader.received).toBe(22);
    expect(used).toBe(body.length);
  });

  test('ok: the same body fed byte by byte, and in every piece size up to its length', () => {
    for (let size = 1; size <= body.length; size++) {
      const { reader, used } = feedInPieces(body, size);
      expect([reader.done, dataOf(reader), used], `pieces of ${size}`).toEqual([true, 'hello, world0123456789', body.length]);
    }
  });

  test('ok: the bytes after the last chunk are not consumed: they belong to the next request', () => {
    const next = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
    const reader = new ChunkedReader();
    expect(reader.feed(Buffer.from(`${body}${next}`, 'latin1'))).toBe(body.length);
    expect(reader.done).toBe(true);
    expect(reader.feed(Buffer.from(next))).toBe(0);
    // Also when the end arrives byte by byte with the next request right behind it.
    const { reader: slow, used } = feedInPieces(`${body}${next}`, 1);
    expect([slow.done, used]).toEqual([true, body.length]);
  });

  test('ok: an empty body (just the last chunk), upper- and lower-case hex, no trailers', () => {
    expect(feedInPieces('0\r\n\r\n', 5).reader.done).toBe(true);
    const { reader } = feedInPieces(`a\r\n${'x'.repeat(10)}\r\nB\r\n${'y'.repeat(11)}\r\n0\r\n\r\n`, 1000);
    expect([reader.done, reader.received]).toEqual([true, 21]);
  });

  test('ok: an incomplete body is not done and holds what arrived', () => {
    const reader = new ChunkedReader();
    expect(reader.feed(Buffer.from('5\r\nhel'))).toBe(6);
    expect([reader.done, reader.received, dataOf(reader)]).toEqual([false, 3, 'hel']);
  });

  test('ok: 50,000 one-byte chunks: body() is every byte in order, fed at once and byte by byte', () => {
    // Every byte value in turn, so a byte lost, repeated or moved while the buffer grows shows.
    const data = Buffer.from(Array.from({ length: 50_000 }, (_, index) => (index * 7) & 0xff));
    const body = `${Array.from(data, (byte) => `1\r\n${String.fromCharCode(byte)}\r\n`).join('')}0\r\n\r\n`;
    for (const size of [body.length, 1]) {
      const { reader, used } = feedInPieces(body, size);
      expect([reader.done, reader.received, used], `pieces of ${size}`).toEqual([true, data.length, body.length]);
      expect(reader.body().equals(data), `pieces of ${size}`).toBe(true);
    }
  });

  test('rejects: a chunk size that is not hex, or has a sign, prefix, or spaces around it', () => {
    for (const size of ['g', 'x5', '0x5', '+5', '-5', ' 5', '5 ', '\t5', '', '5 ;ext', '1234567890abc']) expectChunkRefusal(`${size}\r\n${'a'.repeat(5)}\r\n0\r\n\r\n`);
  });

  test('rejects: chunk data not followed by CRLF', () => {
    expectChunkRefusal('5\r\nhelloX\r\n0\r\n\r\n');
    expectChunkRefusal('5\r\nhello0\r\n\r\n');
    expectChunkRefusal('5\r\nhello\n0\r\n\r\n');
    expectChunkRefusal('5\r\nhello\r0\r\n\r\n');
  });

  test('rejects: a bare LF ending a size line or a trailer', () => {
    expectChunkRefusal('5\nhello\r\n0\r\n\r\n');
    expectChunkRefusal('5\r\nhello\r\n0\n\r\n');
    expectChunkRefusal('5\r\nhello\r\n0\r\nX: y\n\r\n');
  });

  test('rejects: a size line (extensions included) longer than the line limit, whole or still arriving', () => {
    expectChunkRefusal(`5;${'e'.repeat(200)}\r\nhello\r\n0\r\n\r\n`, 64);
    expectChunkRefusal(`5;${'e'.repeat(200)}`, 64);
    expect(() => feedInPieces(`5;${'e'.repeat(200)}`, 1, 64)).toThrow(HeadError);
    // At the default limit too.
    expectChunkRefusal(`5;${'e'.repeat(5000)}`);
  });

  test('rejects: a trailer line without a field name', () => {
    expectChunkRefusal('0\r\nno colon\r\n\r\n');
    expectChunkRefusal('0\r\n: nameless\r\n\r\n');
  });

  test('rejects: a CR inside a chunk extension or a trailer line, fed at once or byte by byte', () => {
    for (const body of ['3;a\rb\r\nabc\r\n0\r\n\r\n', '3\r\nabc\r\n0;x\ry\r\n\r\n', '0\r\nX-Trailer: a\rb\r\n\r\n']) {
      expectChunkRefusal(body);
      expect(() => feedInPieces(body, 1), JSON.stringify(body)).toThrow(HeadError);
    }
  });

  test('rejects: a trailer line starting with a space or a tab (obsolete folding)', () => {
    expectChunkRefusal('0\r\n X-Trailer: one\r\n\r\n');
    expectChunkRefusal('0\r\n\tX-Trailer: one\r\n\r\n');
    expectChunkRefusal('0\r\nX-Trailer: one\r\n X-Folded: two\r\n\r\n');
  });
});

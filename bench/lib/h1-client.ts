import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';

/**
 * A small HTTP/1.1 client over node:tls, one request at a time per connection. Bun's fetch keeps only a
 * few dozen pooled connections across all TLS identities (measured: 300 agents with distinct client
 * certificates never had more than ~75 sockets open), so it cannot hold one keep-alive connection per
 * agent; this client can, and it counts its TLS handshakes, so "a new connection per update" is
 * checked rather than assumed.
 */
export interface H1Response {
  status: number;
  headers: Map<string, string>;
  body: string;
}

export const handshakes = { full: 0, resumed: 0 };
/** Milliseconds from connect() to secureConnect, for every handshake. */
export const handshakeMs: number[] = [];

export class H1Connection {
  private socket: TLSSocket | undefined;
  private ready: Promise<void> | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: H1Response) => void; reject: (e: Error) => void } | undefined;

  constructor(private readonly opts: ConnectionOptions & { host: string; port: number }) {}

  get connected(): boolean {
    return !!this.socket && !this.socket.destroyed;
  }

  private open(): Promise<void> {
    this.buf = Buffer.alloc(0);
    const t0 = performance.now();
    const socket = connect({ ...this.opts, servername: undefined });
    this.socket = socket;
    socket.setNoDelay(true);
    this.ready = new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', () => {
        handshakeMs.push(performance.now() - t0);
        if (socket.isSessionReused()) handshakes.resumed++;
        else handshakes.full++;
        resolve();
      });
      socket.once('error', reject);
    });
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      this.parse();
    });
    const fail = (err: Error) => {
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      fail(new Error('connection closed'));
    });
    return this.ready;
  }

  /** Sends one request (opening a connection if none is open) and resolves with the whole response. */
  async request(method: string, path: string, headers: Record<string, string>, body = ''): Promise<H1Response> {
    if (!this.connected) await this.open();
    const payload = Buffer.from(body);
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.opts.host}:${this.opts.port}\r\ncontent-length: ${payload.length}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    const done = new Promise<H1Response>((resolve, reject) => (this.waiting = { resolve, reject }));
    this.socket!.write(payload.length ? Buffer.concat([Buffer.from(head + '\r\n'), payload]) : head + '\r\n');
    return done;
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private parse(): void {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0 || !this.waiting) return;
    const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(lines[0]!.split(' ')[1]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    let body: Buffer;
    let consumed: number;
    const start = end + 4;
    if (headers.get('transfer-encoding')?.includes('chunked')) {
      const parsed = dechunk(this.buf, start);
      if (!parsed) return;
      [body, consumed] = parsed;
    } else {
      const len = Number(headers.get('content-length') ?? 0);
      if (this.buf.length < start + len) return;
      body = this.buf.subarray(start, start + len);
      consumed = start + len;
    }
    this.buf = this.buf.subarray(consumed);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting.resolve({ status, headers, body: body.toString('utf8') });
  }
}

function dechunk(buf: Buffer, from: number): [Buffer, number] | undefined {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(buf.subarray(at, eol).toString('latin1'), 16);
    if (buf.length < eol + 2 + size + 2) return undefined;
    if (size === 0) return [Buffer.concat(parts), eol + 4];
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

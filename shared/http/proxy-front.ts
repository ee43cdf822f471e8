/**
 * A plain TCP front for the TLS server when a load balancer sends PROXY protocol v2 headers.
 * From trusted proxy addresses the header is required: it is read, the real client address is
 * remembered for the connection, and the socket (with any bytes read past the header put back) is
 * handed to the TLS server. From any other address a PROXY header is refused and plain TLS is passed
 * on untouched. Connections that never finish their header are closed after a timeout.
 *
 * The TLS layer wraps the raw socket, so the address is found again by the raw socket (reachable as
 * the TLS socket's `_parent`, which both Bun and Node set but do not document) or, failing that, by the
 * raw socket's peer address and port, which are unique while it is open.
 */
import net from 'node:net';
import { looksLikeProxyHeader, parseProxyV2 } from './proxy-protocol.ts';

export interface ProxyFrontOptions {
  host: string;
  port: number;
  /** Whether a peer address (normalised, e.g. "10.0.0.5") is a trusted proxy. */
  isTrusted(address: string): boolean;
  /** How long a connection may take to send its header (or, untrusted, its first bytes). */
  headerTimeoutMs?: number;
  /**
   * Refusals worth an operator's attention (never the LOCAL health checks, never a peer that hung up
   * first). `from` is the peer's address, or "unknown" when the socket could not tell it.
   */
  onRefused?(reason: string, from: string): void;
}

const byRawSocket = new WeakMap<object, string>();
const byPeer = new Map<string, string>();

/** The client address a trusted proxy reported for the connection under `socket`, if any. */
export function proxiedClientAddress(socket: unknown): string | undefined {
  const tlsSocket = socket as { _parent?: object; remoteAddress?: string; remotePort?: number } | undefined;
  if (!tlsSocket) return undefined;
  return byRawSocket.get(tlsSocket) ?? (tlsSocket._parent ? byRawSocket.get(tlsSocket._parent) : undefined) ?? byPeer.get(`${tlsSocket.remoteAddress}:${tlsSocket.remotePort}`);
}

const strip = (a: string) => (a.startsWith('::ffff:') ? a.slice(7) : a);

/** Listens on host:port and feeds accepted connections to `target` (a TLS or HTTP/2 secure server). */
export function startProxyFront(target: net.Server, opts: ProxyFrontOptions): Promise<net.Server> {
  const timeoutMs = opts.headerTimeoutMs ?? 5_000;
  const open = new Set<net.Socket>();
  const front = net.createServer((raw) => {
    open.add(raw);
    // A peer that reset the connection before this callback ran (a health check that gave up while the
    // process was busy) has no address any more: it is never trusted, and it was never refused either.
    const from = raw.remoteAddress ? strip(raw.remoteAddress) : undefined;
    const peerKey = `${raw.remoteAddress}:${raw.remotePort}`;
    raw.on('close', () => {
      open.delete(raw);
      byPeer.delete(peerKey);
      // Hung up before its header or first bytes: nothing was refused, so no timeout refusal later.
      clearTimeout(timer);
    });
    // A health check closing its connection resets it: not an error worth a log line.
    raw.on('error', () => {});
    const trusted = from !== undefined && opts.isTrusted(from);
    let buf: Buffer = Buffer.alloc(0);
    const refuse = (reason: string) => {
      clearTimeout(timer);
      raw.off('data', onData);
      opts.onRefused?.(reason, from ?? 'unknown');
      raw.destroy();
    };
    const handOver = (consumed: number, client?: string) => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.pause();
      if (client) {
        byRawSocket.set(raw, client);
        byPeer.set(peerKey, client);
      }
      const rest = buf.subarray(consumed);
      if (rest.length) raw.unshift(rest);
      target.emit('connection', raw);
    };
    const onData = (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      if (!trusted) {
        if (!looksLikeProxyHeader(buf)) return handOver(0);
        if (buf.length >= 6) return refuse('PROXY header from an address not in trusted_proxies');
        return;
      }
      const parsed = parseProxyV2(buf);
      if (parsed.kind === 'incomplete') return;
      if (parsed.kind === 'invalid') return refuse(`${parsed.reason} from a trusted proxy`);
      handOver(parsed.length, parsed.kind === 'proxy' ? strip(parsed.address) : undefined);
    };
    const timer = setTimeout(() => refuse(trusted ? 'no complete PROXY header in time' : 'no data in time'), timeoutMs);
    raw.on('data', onData);
  });
  // Closing the front also ends its connections (a server's close waits for them otherwise).
  const closeServer = front.close.bind(front);
  front.close = (cb?: (err?: Error) => void) => {
    for (const socket of open) socket.destroy();
    return closeServer(cb);
  };
  return new Promise((resolve, reject) => {
    front.once('error', reject);
    front.listen(opts.port, opts.host, () => {
      front.off('error', reject);
      resolve(front);
    });
  });
}

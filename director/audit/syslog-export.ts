import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { connect, type Socket } from 'node:net';
import type { Logger } from '../../shared/log.ts';
import type { SyslogTarget } from '../config/audit-schema.ts';
import type { AuditExport } from './export-record.ts';
import { localSyslogExport } from './syslog-local.ts';
import { octetCounted, syslogMessage, type SyslogHeader } from './syslog-format.ts';

/** Messages held while a TCP collector is away; past this the oldest are dropped (and counted in the log). */
const TCP_BACKLOG = 10_000;
const RECONNECT_MS = { first: 1000, max: 30_000 };

type NetworkTarget = Exclude<SyslogTarget, { transport: 'unix' }>;

/** Sends every audit event as an RFC 5424 message to a syslog collector over UDP or TCP, or to the local socket. */
export function syslogExport(target: SyslogTarget, header: SyslogHeader, log: Logger): AuditExport {
  if (target.transport === 'unix') return localSyslogExport(target.path, header, log);
  return target.transport === 'udp' ? udpExport(target, header, log) : new TcpSyslog(target, header, log);
}

/** UDP: one datagram a message, fire and forget (as syslog over UDP is); a send error is logged once until one succeeds. */
function udpExport(target: NetworkTarget, header: SyslogHeader, log: Logger): AuditExport {
  const socket: UdpSocket = createSocket(isIPv6(target.host) ? 'udp6' : 'udp4');
  socket.unref();
  let failing = false;
  return {
    send(event) {
      socket.send(syslogMessage(event, header), target.port, target.host, (error) => {
        if (error && !failing) log.warn('audit syslog: send failed', { error, host: target.host, port: target.port });
        failing = Boolean(error);
      });
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/**
 * TCP with RFC 6587 octet counting: one connection, re-opened after a loss (1 s, doubling to 30 s);
 * messages wait in memory meanwhile, at most TCP_BACKLOG of them.
 */
class TcpSyslog implements AuditExport {
  private socket: Socket | undefined;
  private connected = false;
  private backlog: Buffer[] = [];
  private dropped = 0;
  private retryMs = RECONNECT_MS.first;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly target: NetworkTarget,
    private readonly header: SyslogHeader,
    private readonly log: Logger,
  ) {
    this.open();
  }

  send(event: Parameters<AuditExport['send']>[0]): void {
    const frame = octetCounted(syslogMessage(event, this.header));
    if (this.connected) this.socket!.write(frame);
    else {
      this.backlog.push(frame);
      if (this.backlog.length > TCP_BACKLOG) {
        this.backlog.shift();
        this.dropped++;
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const socket = this.socket;
    if (!socket || !this.connected) return void socket?.destroy();
    await new Promise<void>((resolve) => {
      const give = setTimeout(() => (socket.destroy(), resolve()), 2000);
      socket.end(() => (clearTimeout(give), resolve()));
    });
  }

  private open(): void {
    const socket = connect({ host: this.target.host, port: this.target.port });
    this.socket = socket;
    socket.unref();
    socket.setKeepAlive(true);
    socket.on('connect', () => {
      this.connected = true;
      this.retryMs = RECONNECT_MS.first;
      if (this.dropped) this.log.warn('audit syslog: messages dropped while the collector was away', { dropped: this.dropped });
      this.dropped = 0;
      const waiting = this.backlog;
      this.backlog = [];
      for (const frame of waiting) socket.write(frame);
    });
    socket.on('error', (error) => {
      if (this.connected || this.retryMs === RECONNECT_MS.first) this.log.warn('audit syslog: connection failed', { error, host: this.target.host, port: this.target.port });
    });
    socket.on('close', () => {
      this.connected = false;
      if (this.closed) return;
      this.timer = setTimeout(() => this.open(), this.retryMs);
      this.timer.unref?.();
      this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MS.max);
    });
  }
}

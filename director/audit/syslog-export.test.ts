import { describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../shared/log.ts';
import { recordedEvent } from './log.ts';
import { syslogMessage } from './syslog-format.ts';
import { syslogExport } from './syslog-export.ts';

const header = { facility: 10, hostname: 'dir 1', appName: 'dcvix-director', procId: '42' };
const event = (actor: string) => ({ ...recordedEvent({ type: 'login', actor, outcome: 'success' }, { now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 6) }), chain: 'd1', hash: 'ab'.repeat(32) });

/** A TCP collector on `port` (0: any) that splits the stream by RFC 6587 octet counting. */
async function collector(port = 0): Promise<{ port: number; messages: string[]; stop(): Promise<void> }> {
  const messages: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let buffered = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      buffered = Buffer.concat([buffered, data]);
      for (;;) {
        const space = buffered.indexOf(0x20);
        const length = Number(buffered.subarray(0, space).toString());
        if (space < 0 || buffered.length < space + 1 + length) return;
        messages.push(buffered.subarray(space + 1, space + 1 + length).toString());
        buffered = buffered.subarray(space + 1 + length);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const stop = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { port: (server.address() as { port: number }).port, messages, stop };
}

const until = async (check: () => boolean) => {
  for (let tries = 0; tries < 200 && !check(); tries++) await Bun.sleep(25);
};

describe('syslog export', () => {
  test('ok: RFC 5424 header fields (spaces in the host name replaced), no structured data, the event as JSON', () => {
    const message = syslogMessage(event('alice'), header);
    expect(message.startsWith('<86>1 2026-01-02T03:04:05.006Z dir_1 dcvix-director 42 login - {')).toBe(true);
    expect(JSON.parse(message.slice(message.indexOf(' - ') + 3))).toMatchObject({ time: '2026-01-02T03:04:05.006Z', type: 'login', actor: 'alice', chain: 'd1', hash: 'ab'.repeat(32) });
  });

  test('ok: over TCP, octet-counted messages arrive in order; ones sent while the collector is away arrive once it is back', { timeout: 15_000 }, async () => {
    const first = await collector();
    const out = syslogExport({ transport: 'tcp', host: '127.0.0.1', port: first.port }, header, silentLogger);
    out.send(event('alice'));
    out.send(event('bob'));
    await until(() => first.messages.length === 2);
    expect(first.messages.map((message) => JSON.parse(message.slice(message.indexOf(' - ') + 3)).actor)).toEqual(['alice', 'bob']);
    await out.close();
    await first.stop();
    // Nothing listens on that port now: the message waits until a collector is there.
    const late = syslogExport({ transport: 'tcp', host: '127.0.0.1', port: first.port }, header, silentLogger);
    late.send(event('carol'));
    const second = await collector(first.port);
    await until(() => second.messages.length === 1);
    expect(second.messages.map((message) => JSON.parse(message.slice(message.indexOf(' - ') + 3)).actor)).toEqual(['carol']);
    await late.close();
    await second.stop();
  });

  test('ok: the local socket (a Unix datagram socket like /dev/log) gets RFC 5424 messages through logger, PRI per event', { timeout: 15_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcvix-syslog-'));
    const socket = join(dir, 'log');
    // A datagram listener: Bun cannot open one, perl-base (always on Debian) can.
    const listener = Bun.spawn(['perl', '-MIO::Socket::UNIX', '-MSocket', '-e', LISTENER, socket], { stdout: 'pipe', stderr: 'inherit' });
    const lines: string[] = [];
    void (async () => {
      for await (const chunk of listener.stdout) lines.push(...new TextDecoder().decode(chunk).split('\n').filter(Boolean));
    })();
    await until(() => lines.includes('ready'));
    const out = syslogExport({ transport: 'unix', path: socket }, header, silentLogger);
    out.send(event('alice'));
    out.send({ ...event('mallory'), outcome: 'failure' });
    await until(() => lines.length === 3);
    await out.close();
    listener.kill();
    rmSync(dir, { recursive: true, force: true });
    const [first, second] = lines.slice(1).map((line) => /^<(\d+)>1 \S+ \S+ dcvix-director 42 audit - (\{.*\})$/.exec(line));
    expect([first?.[1], JSON.parse(first![2]!).actor, second?.[1], JSON.parse(second![2]!).actor]).toEqual(['86', 'alice', '84', 'mallory']);
  });
});

const LISTENER = '$|=1; my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $ARGV[0]) or die "bind: $!"; print "ready\n"; while (defined $s->recv(my $m, 65536)) { print "$m\n" }';

import { describe, expect, test } from 'bun:test';
import { createServer, type Server, type Socket } from 'node:net';
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
});

import { createServer, connect, type Socket } from 'node:net';

export interface LagProxy {
  port: number;
  stop(): Promise<void>;
}

/**
 * A TCP forwarder on 127.0.0.1 that holds every byte from its clients for `lagMs` before passing it on
 * (answers come back at once): an agent behind it has each update arrive `lagMs` after it was built,
 * as on a slow network. TLS passes through untouched. Upstream connections leave from `localAddress`
 * (a director refuses plain TLS from its trusted proxies' addresses, 127.0.0.1 in these tests).
 * `closeIdleMs`: a connection quiet that long after an answer is closed, so the client's next request
 * opens a new one (through a load balancer: possibly to another director).
 */
export async function startLagProxy(target: { port: number; host?: string; localAddress?: string }, lagMs: number, closeIdleMs?: number): Promise<LagProxy> {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ port: target.port, host: target.host ?? '127.0.0.1', localAddress: target.localAddress });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    let idle: ReturnType<typeof setTimeout> | undefined;
    const quiet = () => {
      clearTimeout(idle);
      if (closeIdleMs !== undefined) idle = setTimeout(() => client.end(), closeIdleMs);
    };
    client.on('data', (chunk) => {
      clearTimeout(idle);
      setTimeout(() => upstream.writable && upstream.write(chunk), lagMs);
    });
    client.on('end', () => setTimeout(() => upstream.end(), lagMs));
    upstream.on('data', (chunk) => {
      if (client.writable) client.write(chunk);
      quiet();
    });
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

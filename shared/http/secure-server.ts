/**
 * HTTPS with optional client certificates on one port, handing each request to a fetch-style handler
 * with the verified peer attached (connection-info.ts). Bun.serve cannot tell which certificate a
 * client presented, so the director and the agent use one of two fronts of their own:
 *
 * - native-front.ts (the default): Bun's own TLS sockets and a strict HTTP/1.1 reader. It runs at the
 *   speed of a bare Bun.serve.
 * - node-front.ts: node:http2 (HTTP/2 and HTTP/1.1), for what Bun's sockets cannot do yet: a PROXY
 *   protocol header before the TLS handshake (load balancers) and a second certificate by SNI.
 */
import { startNativeFront } from './native-front.ts';
import type { SecureServer, SecureServerOptions } from './server-options.ts';

export * from './server-options.ts';

/** Which front a listener gets: node's only when it needs PROXY protocol or SNI. */
export function frontFor(opts: Pick<SecureServerOptions, 'proxy' | 'sniContext'>): 'native' | 'node' {
  return opts.proxy || opts.sniContext ? 'node' : 'native';
}

/** Starts the listener on its front. node:http2 is loaded only by a listener that needs it (it costs memory and start-up time). */
export async function startSecureServer(opts: SecureServerOptions): Promise<SecureServer> {
  if (frontFor(opts) === 'native') return startNativeFront(opts);
  const { startNodeFront } = await import('./node-front.ts');
  return startNodeFront(opts);
}

import type { ServerEntry, SessionEntry } from '../servers/runtime-state.ts';

export interface DcvEndpoint {
  host: string;
  port: number;
  webUrlPath: string;
}

/** Where clients reach a server's DCV: its host name, or the address the agent connects from. */
export function dcvEndpoint(server: ServerEntry, options: { port: number; webUrlPath: string; hostSource: 'hostname' | 'address' }): DcvEndpoint {
  return { host: options.hostSource === 'address' ? server.address : server.id, port: options.port, webUrlPath: options.webUrlPath };
}

const hostPort = (e: DcvEndpoint) => `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;

/** docs/dcv-wire.md: https://<host>:<port><weburlpath>/?authToken=<token>#<sessionId> */
export function webClientUrl(endpoint: DcvEndpoint, token: string, sessionId: string): string {
  return `https://${hostPort(endpoint)}${endpoint.webUrlPath}/?authToken=${encodeURIComponent(token)}#${sessionId}`;
}

/** docs/dcv-wire.md: dcv://<host>:<port><weburlpath>/?authToken=<token>#<sessionId> */
export function dcvUri(endpoint: DcvEndpoint, token: string, sessionId: string): string {
  return `dcv://${hostPort(endpoint)}${endpoint.webUrlPath}/?authToken=${encodeURIComponent(token)}#${sessionId}`;
}

/**
 * The .dcv connection file (docs/dcv-wire.md) for `user` (the owner unless given: an invitee): [version]
 * first or DCV Viewer refuses it; values never quoted; never a password. Values are checked to be
 * single-line so nothing can inject a key.
 */
export function dcvFile(endpoint: DcvEndpoint, session: SessionEntry, token: string, certificateValidationPolicy: string, user: string = session.owner): string {
  const values = { host: endpoint.host, port: String(endpoint.port), weburlpath: endpoint.webUrlPath, sessionid: session.id, user, authtoken: token };
  for (const [key, text] of Object.entries(values)) if (/[\r\n]/.test(text)) throw new Error(`.dcv value ${key} is not single-line`);
  return [
    '[version]',
    'format=1.0',
    '',
    '[connect]',
    `host=${values.host}`,
    `port=${values.port}`,
    `sessionid=${values.sessionid}`,
    `user=${values.user}`,
    `authtoken=${values.authtoken}`,
    `weburlpath=${values.weburlpath}`,
    `certificatevalidationpolicy=${certificateValidationPolicy}`,
    '',
    '[options]',
    'fullscreen=false',
    'useallmonitors=false',
    'promptreconnect=true',
    '',
  ].join('\n');
}

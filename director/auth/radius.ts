/**
 * RADIUS backend: PAP Access-Request over UDP (node:dgram) with Message-Authenticator, NAS-Identifier
 * and Calling-Station-Id; servers tried in order, each with 1 + retries attempts of `timeout` ms (a wrong
 * shared secret is silently dropped by servers, so it shows up as a timeout). Access-Challenge becomes
 * a challenge result (expected ["otp"], Reply-Message, State as base64); the follow-up sends the OTP as
 * User-Password together with that State. RADIUS cannot tell an unknown user from a wrong password, so
 * it never answers "unknown".
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { ConfigError } from '../../shared/config-schema.ts';
import type { Logger } from '../../shared/log.ts';
import type { RadiusConfig } from '../config/auth-schema.ts';
import { bufferAttribute, encodeAccessRequest, textAttribute, verifyAndDecode } from './radius-packet.ts';
import { readSecret } from './secret.ts';
import type { AuthResult, Authenticator, Credentials } from './types.ts';

const NAME = 'radius';
const MAX_PASSWORD_BYTES = 128; // RFC 2865 5.2

interface Server {
  host: string;
  port: number;
}

/** Parses "host", "host:port", "[v6]" or "[v6]:port" (default port 1812). */
export function parseServer(text: string): Server {
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text);
  const port = Number(match?.[2] ?? 1812);
  if (!match?.[1] || !Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`auth.radius.servers: "${text}" is not host[:port]`);
  return { host: match[1], port };
}

/** Sends one packet and waits for an authentic reply from that server; undefined on timeout. */
function exchange(server: Server, packet: Buffer, secret: string, timeoutMs: number) {
  return new Promise<ReturnType<typeof verifyAndDecode>>((resolve) => {
    const socket = createSocket(isIP(server.host) === 6 ? 'udp6' : 'udp4');
    const done = (value: ReturnType<typeof verifyAndDecode>) => {
      clearTimeout(timer);
      socket.close();
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('error', () => done(undefined));
    socket.on('message', (msg, rinfo) => {
      if (rinfo.port !== server.port) return;
      const decoded = verifyAndDecode(packet, msg, secret);
      if (decoded) done(decoded); // anything else (forged, stale, wrong secret) is ignored until the timeout
    });
    socket.send(packet, server.port, server.host, (err) => err && done(undefined));
  });
}

/** The RADIUS Authenticator. */
export function createRadiusAuthenticator(cfg: RadiusConfig, log: Logger): Authenticator {
  const servers = cfg.servers.map(parseServer);
  if (servers.length === 0) throw new ConfigError('auth.radius.servers must list at least one server');
  const secret = readSecret(cfg.secret, cfg.secret_file, 'auth.radius.secret_file');
  if (!secret) throw new ConfigError('auth.radius: set secret or secret_file');

  async function send(credentials: Credentials, password: string, state?: Buffer) {
    const { packet } = encodeAccessRequest({ secret, username: credentials.username, password, nasIdentifier: cfg.nas_identifier, callingStationId: credentials.clientAddress, state });
    for (const server of servers) {
      for (let attempt = 0; attempt <= cfg.retries; attempt++) {
        const reply = await exchange(server, packet, secret, cfg.timeout);
        if (reply) return reply;
      }
      log.warn('radius server did not answer', { server: `${server.host}:${server.port}`, attempts: cfg.retries + 1 });
    }
    return undefined;
  }

  return {
    name: NAME,
    async authenticate(credentials: Credentials): Promise<AuthResult> {
      const state = credentials.challengeState ? Buffer.from(credentials.challengeState, 'base64') : undefined;
      const password = state ? (credentials.otp ?? credentials.password) : credentials.password;
      if (!password) return { kind: 'reject', backend: NAME, reason: state ? 'empty one-time password' : 'empty password' };
      if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return { kind: 'reject', backend: NAME, reason: 'password too long for RADIUS' };
      const reply = await send(credentials, password, state);
      if (!reply) return { kind: 'reject', backend: NAME, reason: 'no RADIUS server answered' };
      if (reply.code === 'Access-Accept') return { kind: 'ok', backend: NAME, username: credentials.username, groups: [] };
      if (reply.code === 'Access-Challenge') {
        const next = bufferAttribute(reply, 'State');
        return { kind: 'challenge', backend: NAME, expected: ['otp'], message: textAttribute(reply, 'Reply-Message'), state: next?.toString('base64') };
      }
      return { kind: 'reject', backend: NAME, reason: reply.code === 'Access-Reject' ? 'rejected' : `unexpected ${reply.code}` };
    },
    async health() {
      // RADIUS has no side-effect-free probe every server answers (Status-Server is optional).
      return { ok: true, detail: `${servers.length} server(s) configured` };
    },
  };
}

import { field, int, oneOf, section, str, type FieldParser } from '../../shared/config-schema.ts';

/** Syslog facilities by name (RFC 5424 numbers are their index). */
export const SYSLOG_FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'security',
  'console',
  'solaris-cron',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;

/** Where syslog messages go: "udp://host:port", "tcp://host:port" or "unix:/dev/log" ("" = no syslog). */
export type SyslogTarget = { transport: 'udp' | 'tcp'; host: string; port: number } | { transport: 'unix'; path: string };

const syslogTarget: FieldParser<SyslogTarget | undefined> = (value) => {
  if (typeof value !== 'string') throw new Error('must be a string');
  if (value === '') return undefined;
  if (value.startsWith('unix:')) {
    const path = value.slice('unix:'.length);
    if (!path.startsWith('/')) throw new Error(`must name an absolute socket path after "unix:" (e.g. "unix:/dev/log"), got "${value}"`);
    return { transport: 'unix', path };
  }
  const url = URL.canParse(value) ? new URL(value) : undefined;
  const transport = url?.protocol.slice(0, -1);
  if (!url || (transport !== 'udp' && transport !== 'tcp') || !url.hostname || url.pathname.replace(/^\/$/, '') || url.search || url.username) {
    throw new Error(`must be "udp://host:port", "tcp://host:port" or "unix:/dev/log", got "${value}"`);
  }
  return { transport, host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : transport === 'udp' ? 514 : 601 };
};

/**
 * [audit]: copies of every audit event besides the store, for a SIEM. Example:
 *   [audit]  syslog = "tcp://siem.example.com:601"  syslog_facility = "authpriv"
 *            file = "/var/log/dcvix/audit.jsonl"  file_max_bytes = 104857600  file_keep = 10
 */
export const auditSchema = section({
  /** "udp://host:port" (default port 514), "tcp://host:port" (601; RFC 6587 octet counting) or "unix:/dev/log" (the local socket, through util-linux logger); "" = none. RFC 5424 messages. */
  syslog: field<SyslogTarget | undefined>(undefined, syslogTarget),
  syslog_facility: field<(typeof SYSLOG_FACILITIES)[number]>('authpriv', oneOf(...SYSLOG_FACILITIES)),
  /** A JSON-lines file, one event a line; "" = none. */
  file: field('', str),
  /** The file is rotated (file -> file.1 -> file.2 ...) before a line would take it past this size. */
  file_max_bytes: field(100 * 1024 * 1024, int(4096, 2 ** 40)),
  /** Rotated files kept (file.1 .. file.N); older ones are deleted. */
  file_keep: field(5, int(1, 1000)),
});

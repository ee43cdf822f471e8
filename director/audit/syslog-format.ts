import { exportRecord } from './export-record.ts';
import type { RecordedAuditEvent } from './types.ts';

/** What the header of every message names. */
export interface SyslogHeader {
  /** 0..23 (RFC 5424 section 6.2.1). */
  facility: number;
  hostname: string;
  appName: string;
  procId: string;
}

// Header fields are printable US-ASCII without spaces, each with a maximum length (RFC 5424 section 6).
const headerField = (value: string, max: number) => value.replace(/[^\x21-\x7e]/g, '_').slice(0, max) || '-';

/**
 * One RFC 5424 message for an audit event: PRI (facility; severity informational for a success,
 * warning for a failure), version 1, the event's time, host, app name, process id, the event type as
 * MSGID, no structured data, and the event as JSON for the message. Written here rather than taken
 * from a package: the framing is this one line, and the syslog packages on npm either format RFC 3164
 * only or bring their own transports and loggers.
 */
export function syslogMessage(event: RecordedAuditEvent, header: SyslogHeader): string {
  const time = new Date(event.at).toISOString();
  return `<${syslogPri(event, header)}>1 ${time} ${headerField(header.hostname, 255)} ${headerField(header.appName, 48)} ${headerField(header.procId, 128)} ${headerField(event.type, 32)} - ${JSON.stringify(exportRecord(event))}`;
}

/** PRI: the facility, and severity informational (6) for a success, warning (4) for a failure. */
export function syslogPri(event: RecordedAuditEvent, header: Pick<SyslogHeader, 'facility'>): number {
  return header.facility * 8 + (event.outcome === 'failure' ? 4 : 6);
}

/** RFC 6587 octet counting, for syslog over TCP: the message's length in bytes, a space, the message. */
export function octetCounted(message: string): Buffer {
  const body = Buffer.from(message);
  return Buffer.concat([Buffer.from(`${body.length} `), body]);
}

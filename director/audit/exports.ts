import { hostname } from 'node:os';
import type { Logger } from '../../shared/log.ts';
import { SYSLOG_FACILITIES } from '../config/audit-schema.ts';
import type { DirectorConfig } from '../config/schema.ts';
import type { AuditExport } from './export-record.ts';
import { fileExport } from './file-export.ts';
import { syslogExport } from './syslog-export.ts';

/** The exports [audit] configures (none by default). */
export function openAuditExports(settings: DirectorConfig['audit'], log: Logger): AuditExport[] {
  const exports: AuditExport[] = [];
  if (settings.syslog) {
    const header = { facility: SYSLOG_FACILITIES.indexOf(settings.syslog_facility), hostname: hostname(), appName: 'dcvix-director', procId: String(process.pid) };
    exports.push(syslogExport(settings.syslog, header, log));
  }
  if (settings.file) exports.push(fileExport(settings.file, { maxBytes: settings.file_max_bytes, keep: settings.file_keep }, log));
  return exports;
}

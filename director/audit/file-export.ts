import { closeSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../shared/log.ts';
import { exportRecord, type AuditExport } from './export-record.ts';

/**
 * Appends every audit event as one JSON line to `path`, and rotates by size: before a line would take
 * the file past `maxBytes`, path.N-1 becomes path.N (the oldest beyond `keep` is deleted), ..., path
 * becomes path.1, and a new path is started. Written synchronously as each event is recorded (audit
 * events come at most a few hundred a second; the connection events are rate-limited), so the file
 * never lags the store. Rotation by this process rather than logrotate: no signal or copy-truncate
 * window in which lines could be lost. A write error is logged, once until a write works again.
 */
export function fileExport(path: string, options: { maxBytes: number; keep: number }, log: Logger): AuditExport {
  mkdirSync(dirname(path), { recursive: true });
  let fd = openSync(path, 'a', 0o640);
  let size = fstatSync(fd).size;
  let failing = false;
  const rotate = () => {
    closeSync(fd);
    rmSync(`${path}.${options.keep}`, { force: true });
    for (let index = options.keep - 1; index >= 1; index--) if (existsSync(`${path}.${index}`)) renameSync(`${path}.${index}`, `${path}.${index + 1}`);
    renameSync(path, `${path}.1`);
    fd = openSync(path, 'a', 0o640);
    size = 0;
  };
  return {
    send(event) {
      const line = Buffer.from(`${JSON.stringify(exportRecord(event))}\n`);
      try {
        if (size > 0 && size + line.length > options.maxBytes) rotate();
        for (let offset = 0; offset < line.length; ) offset += writeSync(fd, line, offset);
        size += line.length;
        failing = false;
      } catch (error) {
        if (!failing) log.error('audit file export: write failed', { error, file: path });
        failing = true;
      }
    },
    async close() {
      closeSync(fd);
    },
  };
}
